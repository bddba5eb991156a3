/**
 * `npx tsx bench/gateway-overhead.ts [--runs=500]`: what the local gateway costs per call.
 * The same select (20 leads of the caller's client, RLS on) timed three ways, one call at a time:
 *   direct     pg connection that already is the signed-in user (role + claims set once)
 *   direct-tx  pg, one transaction per call with role + claims set, as PostgREST does
 *   gateway    supabase-js -> gateway -> REST handler -> Postgres (HTTP keep-alive)
 * plus two probes that split the difference: plain fetch of /health (HTTP + routing only) and
 * plain fetch of the same /rest/v1 URL (everything but supabase-js).
 * Prints medians and p95 and writes bench/results/gateway-overhead.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { ANON_KEY, createGateway, databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres } from '@leads-queue/local-supabase';

/** The repository root (this file's folder is bench). */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const DEMO_CLIENT = '11111111-1111-4111-8111-111111111111';
const ADMIN = { id: 'a0000000-0000-4000-8000-000000000001', email: 'test@test.test' };
const SQL = 'select id, name, phone from public.leads where client_id = $1 order by name limit 20';

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { median: Number(at(0.5).toFixed(3)), p95: Number(at(0.95).toFixed(3)) };
}

async function sample(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(50, runs); i += 1) await work();
  const out: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await work();
    out.push(performance.now() - start);
  }
  return out;
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
    const authPool = new pg.Pool({ connectionString: url, max: 2 });
    for (const each of [pool, authPool]) each.on('error', () => {});
    const gateway = await createGateway({ pool, authPool, databaseUrl: url, realtime: false });

    const direct = new pg.Client({ connectionString: authenticator.toString() });
    await direct.connect();
    await direct.query(`select set_config('role', 'authenticated', false), set_config('request.jwt.claims', $1, false)`, [JSON.stringify(claims)]);

    const txClient = new pg.Client({ connectionString: authenticator.toString() });
    await txClient.connect();
    const directTx = async () => {
      await txClient.query('begin isolation level read committed read only');
      await txClient.query(
        `select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
        [JSON.stringify(claims)],
      );
      await txClient.query(SQL, [DEMO_CLIENT]);
      await txClient.query('commit');
    };

    const supabase = createClient(gateway.url, ANON_KEY, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as never },
    });
    const { error: signInError } = await supabase.auth.signInWithPassword({ email: ADMIN.email, password: 'testtesttest' });
    if (signInError) throw signInError;
    const viaGateway = async () => {
      const { data, error } = await supabase.from('leads').select('id,name,phone').eq('client_id', DEMO_CLIENT).order('name').limit(20);
      if (error) throw new Error(`gateway select failed: ${error.message}`);
      if (!data || data.length === 0) throw new Error('gateway select returned no rows');
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

    const results = {
      runs,
      direct: stats(await sample(runs, () => direct.query(SQL, [DEMO_CLIENT]))),
      directTx: stats(await sample(runs, directTx)),
      health: stats(await sample(runs, health)),
      fetchRest: stats(await sample(runs, plainFetch)),
      gateway: stats(await sample(runs, viaGateway)),
    };
    const overhead = {
      vsDirect: Number((results.gateway.median - results.direct.median).toFixed(3)),
      vsDirectTx: Number((results.gateway.median - results.directTx.median).toFixed(3)),
    };
    const report = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...results, overheadMedianMs: overhead };
    console.log(`select of 20 leads as test@test.test, ${runs} sequential calls each (ms):`);
    console.table({
      direct: results.direct,
      'direct-tx': results.directTx,
      'fetch /health': results.health,
      'fetch /rest/v1': results.fetchRest,
      'supabase-js via gateway': results.gateway,
    });
    console.log(`median overhead of supabase-js through the gateway: +${overhead.vsDirect} ms vs a direct pg query, +${overhead.vsDirectTx} ms vs a PostgREST-style transaction`);
    await mkdir(path.join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench', 'results', 'gateway-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);

    await direct.end();
    await txClient.end();
    await gateway.close();
    await pool.end();
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
