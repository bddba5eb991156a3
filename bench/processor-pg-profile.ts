/**
 * `npx tsx bench/processor-pg-profile.ts [admins] [delayMs]`: where PostgreSQL's time goes in one processor tick, per
 * statement and per function. A durable embedded server restarted with pg_stat_statements preloaded (track = all, so
 * statements inside functions count) and track_functions = all; one dispatcher tick at delay 0 over `admins` pairs × 10
 * items; then the statements and functions that took the most time, the WAL written, and the server's CPU (/proc) per
 * send.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres, withClient } from '@leads-queue/local-supabase';
import { parentPid, treeCpuMs } from './procStats.ts';
import { cleanup, seed } from './suites/processor.ts';

const admins = Number(process.argv[2] ?? 100);
const delayMs = Number(process.argv[3] ?? 0);
// LQ_EXPLAIN_MS=n: auto_explain logs the plans (nested statements too) of statements slower than n ms, printed at the end.
const explainMs = process.env.LQ_EXPLAIN_MS ? Number(process.env.LQ_EXPLAIN_MS) : null;
const serverLog: string[] = [];
const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-pg-profile-'));
const dataDir = path.join(dir, 'data');
let server = await startEmbeddedPostgres({ dataDir, log: (line) => void serverLog.push(line) });
process.on("exit", () => { if (process.exitCode) console.log(serverLog.slice(-20).join("\n")); });
await withClient(server.url, async (db) => {
  await db.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`);
  await db.query(`alter system set pg_stat_statements.track = 'all'`);
  await db.query(`alter system set track_functions = 'all'`);
  if (explainMs !== null) {
    await db.query(`alter system set shared_preload_libraries = pg_stat_statements, auto_explain`);
    for (const [name, value] of [['log_min_duration', `${explainMs}`], ['log_analyze', 'on'], ['log_nested_statements', 'on'], ['log_timing', 'off']]) {
      await db.query(`alter system set auto_explain.${name} = '${value}'`);
    }
  }
});
await server.stop();
server = await startEmbeddedPostgres({ dataDir, port: server.port, log: (line) => void serverLog.push(line) });
const url = databaseUrl(server.url, 'profile_pg');
await recreateDatabase(server.url, 'profile_pg');
await resetDatabase(url);
const { startTestStack } = await import('@leads-queue/local-supabase/testing');
const stack = await startTestStack({ databaseUrl: url, functions: true, eagerFunctions: true, sink: true, pgNet: true,
  env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '1000000', QUEUE_PROCESSOR_BUDGET_MS: '50000' } });
const db = new pg.Client({ connectionString: url });
await db.connect();
try {
  await db.query('create extension if not exists pg_stat_statements');
  await seed(url, admins, delayMs);
  const postmaster = await parentPid((await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
  await db.query('select pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared(\'wal\')');
  const cpu0 = await treeCpuMs(postmaster);
  const t0 = performance.now();
  const ids = (await db.query<{ ids: string[] }>('select public.dispatch_queue_processor() as ids')).rows[0]!.ids;
  await stack.pgNet!.idle();
  const wall = performance.now() - t0;
  const cpu = (await treeCpuMs(postmaster)) - cpu0;
  const shards = (await db.query<{ content: string }>('select content from net._http_response where id = any($1::bigint[])', [ids])).rows
    .map((row) => JSON.parse(row.content) as { totals: { sent: number }; roundTrips: number; errors: string[] });
  const sent = shards.reduce((sum, shard) => sum + shard.totals.sent, 0);
  console.log(`${admins} admins, ${ids.length} shards: ${sent} sent, wall ${(wall / 1000).toFixed(1)} s; PostgreSQL CPU ${cpu.toFixed(0)} ms = ${(cpu / Math.max(1, sent)).toFixed(2)} ms a send`);
  const errors = shards.flatMap((shard) => shard.errors);
  if (errors.length) console.log(`errors (${errors.length}):`, errors.slice(0, 5));
  const per = (ms: number) => (ms / Math.max(1, sent)).toFixed(3);
  const statements = await db.query<{ query: string; calls: string; total: number; mean: number; top: boolean }>(
    `select regexp_replace(left(query, 150), '\\s+', ' ', 'g') as query, calls, total_exec_time as total, mean_exec_time as mean, toplevel as top
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
      order by total_exec_time desc limit 30`);
  console.log('\nstatements (total ms, ms per send, calls, mean ms, top level):');
  for (const s of statements.rows) console.log(`${s.total.toFixed(0).padStart(7)} ${per(s.total).padStart(7)} ${String(s.calls).padStart(7)} ${s.mean.toFixed(3).padStart(8)} ${s.top ? 'T' : ' '} ${s.query}`);
  const functions = await db.query<{ name: string; calls: string; total: number; self: number }>(
    `select schemaname || '.' || funcname as name, calls, total_time as total, self_time as self from pg_stat_user_functions
      order by self_time desc limit 30`);
  console.log('\nfunctions (self ms, self ms per send, total ms, calls):');
  for (const f of functions.rows) console.log(`${f.self.toFixed(0).padStart(7)} ${per(f.self).padStart(7)} ${f.total.toFixed(0).padStart(7)} ${String(f.calls).padStart(7)} ${f.name}`);
  const wal = (await db.query('select wal_records, wal_bytes, wal_buffers_full from pg_stat_wal')).rows[0];
  const io = (await db.query(`select sum(writes) writes, sum(fsyncs) fsyncs from pg_stat_io`)).rows[0];
  const commits = (await db.query('select xact_commit, xact_rollback from pg_stat_database where datname = current_database()')).rows[0];
  console.log('\nwal', wal, 'io', io, 'commits', commits);
  if (explainMs !== null) console.log(serverLog.filter((line) => /duration|->|Update|Scan|Plan|Filter|Index/.test(line)).join('\n'));
  await cleanup(url);
} finally {
  await db.end();
  await stack.stop();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
