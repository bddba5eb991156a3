/**
 * `npx tsx bench/gateway-steps.ts [--runs=500]`: where a gateway call's time goes, step by step, for the select and
 * the rpcs of `gateway-overhead.ts` (plain fetch, interleaved call by call, HTTP keep-alive).
 *   client      fetch issued -> body read (what the caller sees)
 *   server      the gateway's HTTP 'request' event -> the response's 'finish' (routing, auth, REST handler, send)
 *   begin, set_config, main, commit, other
 *               each round trip the REST handler makes on its pooled connection, timed in Node around client.query
 *               (wire + PostgreSQL); `node` is server minus those round trips (the handler's and gateway's own work)
 * With `--server-log`, PostgreSQL logs every statement's duration (log_min_duration_statement = 0 for the
 * authenticator role, which the gateway logs in as): the backend's own parse / bind / execute time per statement kind,
 * phase by phase (selects only, then each rpc only), so the wire and Node share can be told from the server's.
 * `--dashboard=<rows>` loads bench suite 3's fixture first and asks as its admin0 for client 0 (with queue_alerts and
 * queue_admin_status). Besides the gateway, each read is run direct on one connection that is the user for the session
 * (the plain statement, and the gateway's own main statement text) and in a transaction per call as the handler runs it
 * (`tx`: begin read write, settings local, statement, commit, on an authenticator connection; and the same read only).
 * `--search=<term>` asks queue_list_counts for that term (the fixture's counters recounted and list keys rebuilt, as suite
 * 3c does), `--email=<address>` signs in as another of the fixture's users (manager0@bench.test).
 * `node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/gateway-steps.ts` profiles the same process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { BENCH_CLIENT0, loadAverage, percentile } from './lib.ts';
import { loadDashboardData } from './suites/dashboard.ts';
import { ANON_KEY, createGateway, databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres } from '@leads-queue/local-supabase';

const DEMO_CLIENT = '11111111-1111-4111-8111-111111111111';
const ADMIN = { email: 'test@test.test', password: 'testtesttest' };
/** Bench suite 3's fixture (`--dashboard=<rows>`): admin0 of client 0 asks for client 0. */
const CLIENT0 = BENCH_CLIENT0;
const BENCH_ADMIN = { email: 'admin0@bench.test', password: 'testtesttest' };

type Step = 'begin' | 'set_config' | 'main' | 'commit' | 'other';

/** The steps the gateway and the REST handler mark (GatewayOptions.mark), in order. */
const marks: Array<[string, number]> = [];
const MARKS = ['route', 'body', 'authed', 'handle', 'planned', 'checkout', 'checked', 'begun', 'set', 'mained', 'gucs', 'committed', 'executed'];

interface Sample {
  /** Time between consecutive marks, by the later mark's name. */
  gaps?: Record<string, number>;
  client: number;
  server: number;
}

function stepOf(text: string): Step {
  if (text.startsWith('begin')) return 'begin';
  if (text === 'commit' || text === 'rollback') return 'commit';
  if (text.startsWith("select set_config('search_path'")) return 'set_config';
  if (text.startsWith('select _m.*') || text.startsWith('with ') || text.startsWith('select count(*)')) return 'main';
  return 'other';
}

const median = (values: number[]): number => (values.length === 0 ? 0 : percentile(values, 50));
const p95 = (values: number[]): number => (values.length === 0 ? 0 : percentile(values, 95));

async function main(): Promise<void> {
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 500);
  const serverLog = process.argv.includes('--server-log');
  const fixtureRows = Number(process.argv.find((a) => a.startsWith('--dashboard='))?.slice('--dashboard='.length) ?? 0);
  const search = process.argv.find((a) => a.startsWith('--search='))?.slice('--search='.length);
  const email = process.argv.find((a) => a.startsWith('--email='))?.slice('--email='.length);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-bench-gwsteps-'));
  const logLines: string[] = [];
  let capture = false;
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    log: (line) => {
      if (capture) logLines.push(line);
    },
  });
  const url = databaseUrl(server.url, 'bench_gateway');
  try {
    await recreateDatabase(server.url, 'bench_gateway');
    await resetDatabase(url);
    if (fixtureRows > 0) {
      const ms = await loadDashboardData(url, fixtureRows);
      console.log(`loaded bench suite 3's fixture of ${fixtureRows} queue rows in ${(ms / 1000).toFixed(1)} s`);
      if (search !== undefined) {
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query('select private.recount_queue_statuses()');
        await admin.query('select private.rebuild_queue_list_keys()');
        await admin.query('vacuum analyze');
        await admin.end();
      }
    }
    if (serverLog) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`alter role authenticator set log_min_duration_statement = 0`);
      await admin.end();
    }
    const authenticator = new URL(url);
    authenticator.username = 'authenticator';
    authenticator.password = 'postgres';
    const pool = new pg.Pool({ connectionString: authenticator.toString(), max: 10 });
    const authPool = new pg.Pool({ connectionString: url, max: 2 });
    for (const each of [pool, authPool]) each.on('error', () => {});
    const gateway = await createGateway({ pool, authPool, databaseUrl: url, realtime: false, mark: (step) => marks.push([step, performance.now()]) });

    let current: Sample | null = null;
    let serverStart = 0;
    gateway.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      serverStart = performance.now();
      const sample = current;
      res.on('finish', () => {
        if (sample) sample.server = performance.now() - serverStart;
      });
    });

    const supabase = createClient(gateway.url, ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } });
    const { error } = await supabase.auth.signInWithPassword(fixtureRows > 0 ? { ...BENCH_ADMIN, ...(email ? { email } : {}) } : ADMIN);
    if (error) throw error;
    const token = (await supabase.auth.getSession()).data.session!.access_token;
    const headers = { apikey: ANON_KEY, authorization: `Bearer ${token}`, 'accept-profile': 'public', 'content-profile': 'public', 'content-type': 'application/json' };
    const forClient = fixtureRows > 0 ? CLIENT0 : DEMO_CLIENT;
    const post = (name: string, body: unknown) => () => fetch(`${gateway.url}/rest/v1/rpc/${name}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const calls: Record<string, () => Promise<Response>> = {
      select: () => fetch(`${gateway.url}/rest/v1/leads?select=id,name,phone&client_id=eq.${forClient}&order=name.asc&limit=20`, { headers }),
      queue_status: post('queue_status', { for_client: forClient }),
      queue_list_counts: post('queue_list_counts', { for_client: forClient, ...(search !== undefined ? { search } : {}) }),
      ...(fixtureRows > 0 ? { queue_alerts: post('queue_alerts', { for_client: forClient }), queue_admin_status: post('queue_admin_status', { for_client: forClient }) } : {}),
    };
    const once = async (name: string, into?: Sample[]): Promise<void> => {
      const sample: Sample = { client: 0, server: 0 };
      current = sample;
      marks.length = 0;
      const start = performance.now();
      const response = await calls[name]!();
      await response.arrayBuffer();
      sample.client = performance.now() - start;
      sample.gaps = {};
      for (let i = 1; i < marks.length; i += 1) sample.gaps[marks[i]![0]] = marks[i]![1] - marks[i - 1]![1];
      if (marks.length > 0) sample.gaps.finish = serverStart + sample.server - marks[marks.length - 1]![1];
      current = null;
      if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
      into?.push(sample);
    };

    const names = Object.keys(calls);
    for (let i = 0; i < 50; i += 1) for (const name of names) await once(name);
    // The same reads direct, on one connection that is the signed-in user for the session (role + claims set once):
    // the plain statement, and the gateway's main statement text (json_to_record + lateral call + json aggregation).
    const direct = new pg.Client({ connectionString: authenticator.toString() });
    await direct.connect();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    await direct.query(`select set_config('search_path', 'public, extensions', false), set_config('role', 'authenticated', false), set_config('request.jwt.claims', $1, false)`, [
      JSON.stringify({ ...claims, role: 'authenticated' }),
    ]);
    // Bench suite 3's direct: a superuser connection switched to the role for the session (bench/lib.ts connectAs).
    const superDirect = new pg.Client({ connectionString: url });
    await superDirect.connect();
    await superDirect.query(`select set_config('role', 'authenticated', false), set_config('request.jwt.claims', $1, false), set_config('search_path', 'public, extensions', false)`, [
      JSON.stringify({ ...claims, role: 'authenticated' }),
    ]);
    const plainSql: Record<string, string> = {
      select: 'select id, name, phone from public.leads where client_id = $1 order by name limit 20',
      queue_status: 'select * from public.queue_status($1)',
      queue_list_counts: search !== undefined ? 'select * from public.queue_list_counts($1, $2)' : 'select * from public.queue_list_counts($1)',
      queue_alerts: 'select * from public.queue_alerts($1)',
      queue_admin_status: 'select * from public.queue_admin_status($1)',
    };
    // One transaction per call on an authenticator connection, as the handler runs it (read write, settings local).
    const txClient = new pg.Client({ connectionString: authenticator.toString() });
    await txClient.connect();
    const inTx = async (text: string, values: unknown[], statementName: string, mode = 'read write') => {
      await txClient.query(`begin isolation level read committed ${mode}`);
      await txClient.query({
        name: 'tx_settings',
        text: `select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
        values: [JSON.stringify({ ...claims, role: 'authenticated' })],
      });
      await txClient.query({ name: statementName, text, values });
      await txClient.query('commit');
    };
    // The main statement each call sends, caught once on the REST pool's connections, to run the same text direct.
    const mains: Record<string, { text: string; values: unknown[] }> = {};
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    let catching: string | null = null;
    (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: object, ...args: unknown[]) {
      const first = args[0] as string | { text?: string; values?: unknown[] };
      const text = typeof first === 'string' ? first : String(first.text ?? '');
      if (catching && stepOf(text) === 'main' && !mains[catching]) mains[catching] = { text, values: (typeof first === 'string' ? (args[1] as unknown[]) : first.values) ?? [] };
      return original.apply(this, args);
    };
    for (const name of names) {
      catching = name;
      await once(name);
    }
    catching = null;
    pg.Client.prototype.query = original as typeof pg.Client.prototype.query;
    const directTimes = Object.fromEntries(names.map((name) => [name, { plain: [] as number[], wrapped: [] as number[], txPlain: [] as number[], txWrapped: [] as number[], superPlain: [] as number[], txReadOnly: [] as number[] }]));
    const timed = async (list: number[], run: () => Promise<unknown>) => {
      const start = performance.now();
      await run();
      list.push(performance.now() - start);
    };
    const plainValues = (name: string) => (name === 'queue_list_counts' && search !== undefined ? [forClient, search] : [forClient]);
    const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]]));
    const loadBefore = loadAverage();
    for (let i = 0; i < runs; i += 1) {
      for (const name of names) {
        await once(name, samples[name]);
        await timed(directTimes[name]!.plain, () => direct.query({ name: `plain_${name}`, text: plainSql[name]!, values: plainValues(name) }));
        await timed(directTimes[name]!.wrapped, () => direct.query({ name: `wrapped_${name}`, text: mains[name]!.text, values: mains[name]!.values }));
        await timed(directTimes[name]!.superPlain, () => superDirect.query({ name: `plain_${name}`, text: plainSql[name]!, values: plainValues(name) }));
        await timed(directTimes[name]!.txPlain, () => inTx(plainSql[name]!, plainValues(name), `plain_${name}`));
        await timed(directTimes[name]!.txWrapped, () => inTx(mains[name]!.text, mains[name]!.values, `wrapped_${name}`));
        await timed(directTimes[name]!.txReadOnly, () => inTx(plainSql[name]!, plainValues(name), `plain_${name}`, 'read only'));
      }
    }
    const loadAfter = loadAverage();
    console.log(`load average before ${loadBefore}, after ${loadAfter}; ${runs} interleaved calls each, plain fetch, prepared statements on`);
    const table: Record<string, Record<string, string>> = {};
    for (const name of names) {
      const list = samples[name]!;
      const row: Record<string, string> = {};
      const cell = (values: number[]) => `${median(values).toFixed(3)} / ${p95(values).toFixed(3)}`;
      row.client = cell(list.map((s) => s.client));
      row.server = cell(list.map((s) => s.server));
      row['client-server'] = cell(list.map((s) => s.client - s.server));
      row['direct plain'] = cell(directTimes[name]!.plain);
      row['direct main text'] = cell(directTimes[name]!.wrapped);
      row['direct as superuser'] = cell(directTimes[name]!.superPlain);
      row['tx plain'] = cell(directTimes[name]!.txPlain);
      row['tx main text'] = cell(directTimes[name]!.txWrapped);
      row['tx plain, read only'] = cell(directTimes[name]!.txReadOnly);
      table[name] = row;
    }
    console.log('median / p95 ms per call:');
    console.table(table);
    const gapTable: Record<string, Record<string, string>> = {};
    for (const name of names) {
      const list = samples[name]!;
      gapTable[name] = Object.fromEntries([...MARKS.slice(1), 'finish'].map((mark) => [mark, median(list.map((s) => s.gaps?.[mark] ?? 0)).toFixed(3)]));
    }
    console.log('median ms from the previous mark to each mark (route: request event; body read; authed: JWT; handle: REST handler entered; planned; checkout..committed: the transaction; executed: back in the handler; finish: response sent):');
    console.table(gapTable);

    if (serverLog) {
      // Each call kind alone, so the server log's lines belong to it.
      for (const name of names) {
        logLines.length = 0;
        capture = true;
        for (let i = 0; i < Math.min(runs, 300); i += 1) await once(name);
        await new Promise((resolve) => setTimeout(resolve, 300));
        capture = false;
        const byKind = new Map<string, number[]>();
        for (const chunk of logLines) {
          for (const line of chunk.split('\n')) {
            const match = /duration: ([\d.]+) ms\s+(parse|bind|execute|statement)[^:]*: (.*)$/.exec(line);
            if (!match) continue;
            const [, ms, phase, text] = match;
            const kind = `${phase === 'statement' ? 'simple' : phase} ${stepOf(text!.trim())}`;
            const list = byKind.get(kind) ?? [];
            list.push(Number(ms));
            byKind.set(kind, list);
          }
        }
        const rows = Object.fromEntries(
          [...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, list]) => [kind, { count: list.length, median: Number(median(list).toFixed(3)), p95: Number(p95(list).toFixed(3)) }]),
        );
        console.log(`server log, ${name} alone (${Math.min(runs, 300)} calls): backend time per protocol step (ms)`);
        console.table(rows);
      }
    }

    await direct.end();
    await txClient.end();
    await superDirect.end();
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
