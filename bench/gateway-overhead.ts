/**
 * `npx tsx bench/gateway-overhead.ts [--runs=500]`: what the local gateway costs per call, for a select and for an rpc
 * with arguments. Each read is timed these ways, interleaved call by call (so load drifts alike on all of them):
 *   direct      pg connection that already is the signed-in user (role + claims set once), a named prepared
 *               statement (as bench suite 3 pairs its gateway calls)
 *   direct-tx   pg, one transaction per call with role + claims set, as PostgREST does (unnamed statements)
 *   gateway     supabase-js -> gateway -> REST handler -> Postgres (HTTP keep-alive), prepared statements on
 *               (PostgREST's db-prepared-statements default)
 *   unprepared  the same through a second gateway with preparedStatements: false (every statement parsed and planned
 *               per request, as the REST handler did before it prepared them)
 *   unplanned   the same through a third gateway with planCache: false (every request planned anew in Node, as the
 *               REST handler did before it kept plans)
 * The select also gets two probes that split the difference: plain fetch of /health (HTTP + routing only) and plain
 * fetch of the same /rest/v1 URL (everything but supabase-js). The rpcs are queue_status(for_client) and
 * queue_list_counts(for_client) over the seeded Demo client. Prints medians and p95, the load average, and writes
 * bench/results/gateway-overhead.json (top-level fields: the select; `rpc`: the rpcs).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { loadAverage, percentile } from './lib.ts';
import { ANON_KEY, createGateway, databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres, type Gateway } from '@leads-queue/local-supabase';

/** The repository root (this file's folder is bench). */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const DEMO_CLIENT = '11111111-1111-4111-8111-111111111111';
const ADMIN = { id: 'a0000000-0000-4000-8000-000000000001', email: 'test@test.test' };
const SQL = 'select id, name, phone from public.leads where client_id = $1 order by name limit 20';
/** The rpcs with arguments: the statement direct, and the call supabase-js makes. */
const RPCS = {
  queue_status: { sql: 'select * from public.queue_status($1)', args: { for_client: DEMO_CLIENT } },
  queue_list_counts: { sql: 'select * from public.queue_list_counts($1)', args: { for_client: DEMO_CLIENT } },
} as const;

interface Stats {
  median: number;
  p95: number;
}

function stats(samples: number[]): Stats {
  return { median: Number(percentile(samples, 50).toFixed(3)), p95: Number(percentile(samples, 95).toFixed(3)) };
}

/** Every variant once per round, in the same order, after 50 warm-up rounds. */
async function sampleInterleaved<K extends string>(runs: number, variants: Record<K, () => Promise<unknown>>): Promise<Record<K, Stats>> {
  const names = Object.keys(variants) as K[];
  for (let i = 0; i < Math.min(50, runs); i += 1) for (const name of names) await variants[name]();
  const out = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < runs; i += 1) {
    for (const name of names) {
      const start = performance.now();
      await variants[name]();
      out[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(names.map((name) => [name, stats(out[name])])) as Record<K, Stats>;
}

async function signedIn(gateway: Gateway): Promise<SupabaseClient> {
  const supabase = createClient(gateway.url, ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
  const { error } = await supabase.auth.signInWithPassword({ email: ADMIN.email, password: 'testtesttest' });
  if (error) throw error;
  return supabase;
}

async function main(): Promise<void> {
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 500);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-bench-gw-'));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data') });
  const url = databaseUrl(server.url, 'bench_gateway');
  const claims = { role: 'authenticated', sub: ADMIN.id, email: ADMIN.email, aud: 'authenticated' };
  try {
    await recreateDatabase(server.url, 'bench_gateway');
    await resetDatabase(url);
    const authenticator = new URL(url);
    authenticator.username = 'authenticator';
    authenticator.password = 'postgres';
    const pool = new pg.Pool({ connectionString: authenticator.toString(), max: 10 });
    const unpreparedPool = new pg.Pool({ connectionString: authenticator.toString(), max: 10 });
    const unplannedPool = new pg.Pool({ connectionString: authenticator.toString(), max: 10 });
    const authPool = new pg.Pool({ connectionString: url, max: 2 });
    for (const each of [pool, unpreparedPool, unplannedPool, authPool]) each.on('error', () => {});
    const gateway = await createGateway({ pool, authPool, databaseUrl: url, realtime: false });
    const unpreparedGateway = await createGateway({ pool: unpreparedPool, authPool, databaseUrl: url, realtime: false, preparedStatements: false });
    const unplannedGateway = await createGateway({ pool: unplannedPool, authPool, databaseUrl: url, realtime: false, planCache: false });

    const direct = new pg.Client({ connectionString: authenticator.toString() });
    await direct.connect();
    await direct.query(`select set_config('role', 'authenticated', false), set_config('request.jwt.claims', $1, false)`, [JSON.stringify(claims)]);

    const txClient = new pg.Client({ connectionString: authenticator.toString() });
    await txClient.connect();
    const directTx = (sql: string) => async () => {
      await txClient.query('begin isolation level read committed read only');
      await txClient.query(
        `select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
        [JSON.stringify(claims)],
      );
      await txClient.query(sql, [DEMO_CLIENT]);
      await txClient.query('commit');
    };

    const supabase = await signedIn(gateway);
    const unprepared = await signedIn(unpreparedGateway);
    const unplanned = await signedIn(unplannedGateway);
    const select = (client: SupabaseClient) => async () => {
      const { data, error } = await client.from('leads').select('id,name,phone').eq('client_id', DEMO_CLIENT).order('name').limit(20);
      if (error) throw new Error(`gateway select failed: ${error.message}`);
      if (!data || data.length === 0) throw new Error('gateway select returned no rows');
    };
    const rpc = (client: SupabaseClient, name: keyof typeof RPCS) => async () => {
      const { data, error } = await client.rpc(name, RPCS[name].args);
      if (error) throw new Error(`gateway rpc ${name} failed: ${error.message}`);
      if (!Array.isArray(data) || data.length === 0) throw new Error(`gateway rpc ${name} returned no rows`);
    };

    const token = (await supabase.auth.getSession()).data.session!.access_token;
    const restUrl = `${gateway.url}/rest/v1/leads?select=id,name,phone&client_id=eq.${DEMO_CLIENT}&order=name.asc&limit=20`;
    const restHeaders = { apikey: ANON_KEY, authorization: `Bearer ${token}`, 'accept-profile': 'public' };
    const plainFetch = async () => {
      const response = await fetch(restUrl, { headers: restHeaders });
      if (response.status !== 200) throw new Error(`rest answered ${response.status}`);
      await response.arrayBuffer();
    };
    const health = async () => {
      await (await fetch(`${gateway.url}/health`)).arrayBuffer();
    };

    const loadBefore = loadAverage();
    const results = await sampleInterleaved(runs, {
      direct: () => direct.query({ name: 'select', text: SQL, values: [DEMO_CLIENT] }),
      directTx: directTx(SQL),
      health,
      fetchRest: plainFetch,
      gateway: select(supabase),
      gatewayUnprepared: select(unprepared),
      gatewayUnplanned: select(unplanned),
    });
    const rpcResults = {} as Record<keyof typeof RPCS, Record<'direct' | 'directTx' | 'gateway' | 'gatewayUnprepared' | 'gatewayUnplanned', Stats>>;
    for (const name of Object.keys(RPCS) as Array<keyof typeof RPCS>) {
      rpcResults[name] = await sampleInterleaved(runs, {
        direct: () => direct.query({ name, text: RPCS[name].sql, values: [DEMO_CLIENT] }),
        directTx: directTx(RPCS[name].sql),
        gateway: rpc(supabase, name),
        gatewayUnprepared: rpc(unprepared, name),
        gatewayUnplanned: rpc(unplanned, name),
      });
    }
    const loadAfter = loadAverage();
    const minus = (a: number, b: number) => Number((a - b).toFixed(3));
    const overhead = {
      vsDirect: minus(results.gateway.median, results.direct.median),
      vsDirectTx: minus(results.gateway.median, results.directTx.median),
      unpreparedVsDirect: minus(results.gatewayUnprepared.median, results.direct.median),
      unplannedVsDirect: minus(results.gatewayUnplanned.median, results.direct.median),
    };
    const rpcOverhead = Object.fromEntries(
      Object.entries(rpcResults).map(([name, r]) => [
        name,
        {
          vsDirect: minus(r.gateway.median, r.direct.median),
          unpreparedVsDirect: minus(r.gatewayUnprepared.median, r.direct.median),
          unplannedVsDirect: minus(r.gatewayUnplanned.median, r.direct.median),
        },
      ]),
    );
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: loadAfter },
      ...results,
      overheadMedianMs: overhead,
      rpc: { ...rpcResults, overheadMedianMs: rpcOverhead },
    };
    console.log(`load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}`);
    console.log(`select of 20 leads as test@test.test, ${runs} interleaved calls each (ms):`);
    console.table({
      direct: results.direct,
      'direct-tx': results.directTx,
      'fetch /health': results.health,
      'fetch /rest/v1': results.fetchRest,
      'supabase-js via gateway': results.gateway,
      'supabase-js via gateway, unprepared': results.gatewayUnprepared,
      'supabase-js via gateway, plans not kept': results.gatewayUnplanned,
    });
    for (const [name, r] of Object.entries(rpcResults)) {
      console.log(`rpc ${name}(for_client) as test@test.test, ${runs} interleaved calls each (ms):`);
      console.table({
        direct: r.direct,
        'direct-tx': r.directTx,
        'supabase-js via gateway': r.gateway,
        'supabase-js via gateway, unprepared': r.gatewayUnprepared,
        'supabase-js via gateway, plans not kept': r.gatewayUnplanned,
      });
    }
    console.log(
      `median overhead over a direct prepared statement: select +${overhead.vsDirect} ms (unprepared +${overhead.unpreparedVsDirect}, plans not kept +${overhead.unplannedVsDirect}); ` +
        Object.entries(rpcOverhead)
          .map(([name, o]) => `${name} +${o.vsDirect} ms (unprepared +${o.unpreparedVsDirect}, plans not kept +${o.unplannedVsDirect})`)
          .join('; '),
    );
    await mkdir(path.join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench', 'results', 'gateway-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);

    await direct.end();
    await txClient.end();
    await gateway.close();
    await unpreparedGateway.close();
    await unplannedGateway.close();
    await pool.end();
    await unpreparedPool.end();
    await unplannedPool.end();
    await authPool.end();
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
