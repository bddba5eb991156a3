/**
 * Suite 3 — the dashboard at scale: the reads the dashboard and the processing panel make for the client on screen
 * (queue_status, queue_admin_status, the hourly throughput, the alerts, the drain and today's capacity) over a large
 * queue, as an admin and as a manager: direct SQL as the role + claims, and through supabase-js + the gateway, each
 * gateway call paired with the same statement direct to measure the gateway's own cost. The list's reads (pages,
 * search, counts, outlook) are suite `list`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { SupabaseClient } from '@supabase/supabase-js';
import { databaseUrl, recreateDatabase, resetDatabase } from '@leads-queue/local-supabase';
import { connectAs, emptyResult, fmt, nestedPlans, percentile, sample, timeIt, withClient, type BenchContext, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const CLIENT0 = '00000000-0000-4000-9000-000000000000';
const ACTORS = {
  admin: { id: '00000000-0000-4000-a000-000000000000', email: 'admin0@bench.test' },
  manager: { id: '00000000-0000-4000-b000-000000000000', email: 'manager0@bench.test' },
} as const;
const PASSWORD = 'testtesttest';

/** A dashboard read: the supabase-js call the app makes (src/services/queue) and the same statement direct. */
interface Read {
  sql: string;
  params: unknown[];
  rpc: (client: SupabaseClient) => PromiseLike<{ error: unknown }>;
}

const READS: Record<string, Read> = {
  queue_status: { sql: 'select * from public.queue_status($1)', params: [CLIENT0], rpc: (c) => c.rpc('queue_status', { for_client: CLIENT0 }) },
  queue_admin_status: { sql: 'select * from public.queue_admin_status($1)', params: [CLIENT0], rpc: (c) => c.rpc('queue_admin_status', { for_client: CLIENT0 }) },
  hourly_throughput: {
    sql: 'select * from public.queue_hourly_throughput(24, $1)',
    params: [CLIENT0],
    rpc: (c) => c.rpc('queue_hourly_throughput', { hours: 24, for_client: CLIENT0 }),
  },
  alerts: { sql: 'select * from public.queue_alerts($1)', params: [CLIENT0], rpc: (c) => c.rpc('queue_alerts', { for_client: CLIENT0 }) },
  queue_drain: { sql: 'select * from public.queue_drain($1)', params: [CLIENT0], rpc: (c) => c.rpc('queue_drain', { for_client: CLIENT0 }).single() },
  capacity_today: {
    sql: 'select * from public.queue_capacity_today($1)',
    params: [CLIENT0],
    rpc: (c) => c.rpc('queue_capacity_today', { for_client: CLIENT0 }).single(),
  },
  // The gateway's own cost (JWT check, role switch, JSON) on top of an index lookup.
  trivial: { sql: 'select id from public.clients where id = $1 limit 1', params: [CLIENT0], rpc: (c) => c.from('clients').select('id').eq('id', CLIENT0).limit(1) },
};

/** p95 budgets (ms) of the reads through the gateway; the others are reported. */
const BUDGET_MS: Record<string, number> = { queue_status: 20, hourly_throughput: 30, alerts: 30, queue_drain: 30, capacity_today: 30 };
const OVERHEAD_BUDGET_MS = 3;

interface Stats {
  p50: number;
  p95: number;
}

const stats = (values: number[]): Stats => ({ p50: percentile(values, 50), p95: percentile(values, 95) });

async function measureDirect(url: string, who: keyof typeof ACTORS, runs: number): Promise<Record<string, Stats>> {
  const client = await connectAs(url, ACTORS[who]);
  try {
    const out: Record<string, Stats> = {};
    for (const [name, read] of Object.entries(READS)) {
      out[name] = stats(await sample(runs, 3, () => client.query({ name, text: read.sql, values: read.params })));
    }
    return out;
  } finally {
    await client.end();
  }
}

/** The statements over 1 ms inside a read, as the role (auto_explain, nested). */
async function explainNested(url: string, who: keyof typeof ACTORS, read: Read): Promise<string> {
  try {
    return (await nestedPlans(url, ACTORS[who].id, read.sql, read.params)) || 'no statement took 1 ms or more';
  } catch (error) {
    return `not explained: ${(error as Error).message}`;
  }
}

interface GatewayFigures {
  /** supabase-js latency per call. */
  latency: Record<'admin' | 'manager', Record<string, Stats>>;
  /** Median of (gateway − direct) over interleaved pairs of the same read. */
  overhead: Record<'admin' | 'manager', Record<string, number>>;
}

/** supabase-js through the local gateway (the PostgREST stand-in), signed in as the bench admin and manager. */
async function measureGateway(url: string, runs: number): Promise<GatewayFigures | string> {
  const { startTestStack } = await import('@leads-queue/local-supabase/testing');
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  try {
    stack = await startTestStack({ databaseUrl: url });
  } catch (error) {
    return `stack failed: ${(error as Error).message}`;
  }
  try {
    const out: GatewayFigures = { latency: { admin: {}, manager: {} }, overhead: { admin: {}, manager: {} } };
    for (const who of ['admin', 'manager'] as const) {
      const client = await stack.signIn(ACTORS[who].email, PASSWORD);
      const direct = await connectAs(url, ACTORS[who]);
      try {
        for (const [name, read] of Object.entries(READS)) {
          const viaGateway = async () => {
            const { error } = await read.rpc(client);
            if (error) throw new Error(`gateway ${name} as ${who}: ${JSON.stringify(error)}`);
          };
          const viaSql = () => direct.query({ name, text: read.sql, values: read.params });
          for (let i = 0; i < 3; i++) {
            await viaGateway();
            await viaSql();
          }
          const latency: number[] = [];
          const diff: number[] = [];
          for (let i = 0; i < runs; i++) {
            const t0 = performance.now();
            await viaGateway();
            const t1 = performance.now();
            await viaSql();
            const t2 = performance.now();
            latency.push(t1 - t0);
            diff.push(t1 - t0 - (t2 - t1));
          }
          out.latency[who][name] = stats(latency);
          out.overhead[who][name] = percentile(diff, 50);
        }
      } finally {
        await direct.end();
      }
    }
    return out;
  } finally {
    await stack.stop();
  }
}

/** Loads suite 3's fixture (bench/dashboard-data.sql) with triggers off; the callers recount what triggers keep. */
export async function loadDashboardData(url: string, rows: number): Promise<number> {
  const sql = (await readFile(path.join(ROOT, 'bench', 'dashboard-data.sql'), 'utf8')).replaceAll('__ROWS__', String(rows));
  const { ms } = await timeIt(() => withClient(url, async (db) => {
    await db.query(sql);
    await db.query('vacuum analyze');
  }));
  return ms;
}

async function counts(db: pg.Client): Promise<string> {
  const { rows } = await db.query<{ status: string; n: string }>('select status::text, count(*)::text as n from public.whatsapp_message_queue group by 1 order by 1');
  return rows.map((r) => `${r.status} ${r.n}`).join(', ');
}

export async function dashboardSuite(ctx: BenchContext): Promise<SuiteResult> {
  const rows = ctx.quick ? 100_000 : 1_000_000;
  const runs = ctx.quick ? 30 : 200;
  const url = databaseUrl(ctx.serverUrl, 'bench_dashboard');
  await recreateDatabase(ctx.serverUrl, 'bench_dashboard');
  await resetDatabase(url, { seed: false });
  const loadMs = await loadDashboardData(url, rows);
  await withClient(url, async (db) => {
    // Bulk-loaded with triggers off: the status counters queue_status and the drain read are counted once.
    await db.query('select private.recount_queue_statuses()');
    await db.query('vacuum analyze');
  });
  const mix = await withClient(url, counts);
  const audit = await withClient(url, async (db) => (await db.query<{ n: string }>('select count(*)::text as n from public.queue_audit_log')).rows[0]?.n);
  ctx.log(`  loaded ${rows} queue rows in ${(loadMs / 1000).toFixed(1)} s (${mix}; ${audit} audit rows)`);

  const direct = { admin: await measureDirect(url, 'admin', runs), manager: await measureDirect(url, 'manager', runs) };
  ctx.log('  measured direct');
  const gateway = await measureGateway(url, runs);
  ctx.log(`  measured the gateway${typeof gateway === 'string' ? ` (skipped: ${gateway})` : ''}`);

  const result = emptyResult(`3. Dashboard at ${rows.toLocaleString('en-US')} queue rows (ms, p50 / p95)`, [
    'read', 'as', 'direct', 'supabase-js + gateway', 'gateway overhead p50',
  ]);
  const pair = (s: Stats | undefined) => (s ? `${fmt(s.p50, 2)} / ${fmt(s.p95, 2)}` : '—');
  const viaGateway = typeof gateway === 'string' ? null : gateway;
  for (const who of ['admin', 'manager'] as const) {
    for (const name of Object.keys(READS)) {
      result.rows.push([
        name, who, pair(direct[who][name]), viaGateway ? pair(viaGateway.latency[who][name]) : 'skipped',
        viaGateway ? fmt(viaGateway.overhead[who][name]!, 2) : '—',
      ]);
    }
  }
  for (const who of ['admin', 'manager'] as const) {
    for (const [name, budget] of Object.entries(BUDGET_MS)) {
      const figure = viaGateway ? viaGateway.latency[who][name]! : direct[who][name]!;
      result.budgets.push({ label: `${name} p95 < ${budget} ms (${who}, ${viaGateway ? 'through the gateway' : 'direct'})`, value: `${fmt(figure.p95, 2)} ms`, met: figure.p95 < budget });
    }
  }
  if (viaGateway) {
    for (const name of ['trivial', 'queue_status', 'alerts']) {
      const overhead = viaGateway.overhead.admin[name]!;
      result.budgets.push({ label: `gateway overhead < ${OVERHEAD_BUDGET_MS} ms p50 per request (${name}, admin)`, value: `${fmt(overhead, 2)} ms`, met: overhead < OVERHEAD_BUDGET_MS });
    }
  } else {
    result.budgets.push({ label: `gateway overhead < ${OVERHEAD_BUDGET_MS} ms p50`, value: `skipped: ${gateway}`, met: null });
  }
  result.notes.push(
    `Fixture: ${rows.toLocaleString('en-US')} queue rows (${mix}), ${rows / 4} leads, ${audit} audit rows, 50 admins + 3 managers over 3 clients, spread over 30 days; ` +
      `bulk-loaded with session_replication_role = replica (triggers and FK checks off), queue_performance_metrics rebuilt with one INSERT … SELECT, the status counters recounted, then VACUUM ANALYZE (${(loadMs / 1000).toFixed(1)} s).`,
    `Each read is what the app asks for the client on screen (for_client = client 0). Direct: one connection in the role with the JWT claims set (as PostgREST does), named prepared statements, ${runs} runs after 3 warm-ups. ` +
      'Admin = admin0 of client 0 (≈1/17 of that client’s rows); manager = manager of client 0 (≈1/3 of all rows).',
    'Through the gateway: supabase-js signed in as the same user, through the local-supabase gateway (the Node stand-in for Kong + PostgREST, not the hosted stack). ' +
      'Gateway overhead = median over interleaved pairs of (supabase-js call − the same statement direct).',
  );
  result.details = [
    { title: 'Statements over 1 ms inside queue_status(client 0), the manager (auto_explain, nested)', body: await explainNested(url, 'manager', READS.queue_status!) },
    { title: 'Statements over 1 ms inside queue_alerts(client 0), the manager (auto_explain, nested)', body: await explainNested(url, 'manager', READS.alerts!) },
    { title: 'Statements over 1 ms inside queue_drain(client 0), the manager (auto_explain, nested)', body: await explainNested(url, 'manager', READS.queue_drain!) },
  ];
  result.data = { rows, mix, audit, loadMs, direct, gateway };
  return result;
}
