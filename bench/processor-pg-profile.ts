/**
 * `npx tsx bench/processor-pg-profile.ts [admins] [delayMs] [--direct]`: where PostgreSQL's time goes in one processor
 * tick, per statement and per function. A durable embedded server restarted with pg_stat_statements preloaded (track =
 * all, so statements inside functions count) and track_functions = all; one dispatcher tick at delay 0 over `admins`
 * pairs × 10 items; then the statements and functions that took the most time, the WAL written, and the server's CPU
 * (/proc) per send. --direct: no Deno and no HTTP, the steps called over one connection (shards of 10 pairs or --shard=n, each step
 * settling the shard's last items and claiming the next), the backend's own CPU per send: the SQL's cost alone, steady
 * whatever the machine's timing does to how many sends a step carries.
 */
import { startProfileStack } from './lib.ts';
import { parentPid, processCpuMs, treeCpuMs } from './procStats.ts';
import { cleanup, seed } from './suites/processor.ts';

const [admins, delayMs] = process.argv.slice(2).filter((arg) => !arg.startsWith('--')).map(Number) as [number?, number?];
const direct = process.argv.includes('--direct');
// --shard=n: pairs per shard in the direct steps (default 10).
const shardSize = Number(process.argv.find((arg) => arg.startsWith('--shard='))?.slice(8) ?? 10);
// LQ_EXPLAIN_MS=n: auto_explain logs the plans (nested statements too) of statements slower than n ms, printed at the end.
const explainMs = process.env.LQ_EXPLAIN_MS ? Number(process.env.LQ_EXPLAIN_MS) : null;
const serverLog: string[] = [];
process.on('exit', () => { if (process.exitCode) console.log(serverLog.slice(-20).join('\n')); });
const { url, stack, db, stop } = await startProfileStack('profile-pg', {
  log: (line) => void serverLog.push(line),
  configure: async (server) => {
    await server.query(`alter system set shared_preload_libraries = ${explainMs === null ? 'pg_stat_statements' : 'pg_stat_statements, auto_explain'}`);
    await server.query(`alter system set pg_stat_statements.track = 'all'`);
    await server.query(`alter system set track_functions = 'all'`);
    if (explainMs === null) return;
    for (const [name, value] of [['log_min_duration', `${explainMs}`], ['log_analyze', 'on'], ['log_nested_statements', 'on'], ['log_timing', process.env.LQ_EXPLAIN_TIMING ?? 'off']]) {
      await server.query(`alter system set auto_explain.${name} = '${value}'`);
    }
  },
});

/** Steps over one connection until every item is sent; the backend's CPU and the number of steps. */
async function directSteps(): Promise<{ sent: number; cpu: number; steps: number }> {
  const pairs = (await db.query<{ user_id: string; client_id: string }>(`select s.user_id, s.client_id from public.user_queue_settings s
    join auth.users u on u.id = s.user_id where u.email like 'bench-%' order by 1`)).rows;
  await db.query(`select public.lease_processor_pairs('direct', $1::jsonb, 600)`, [JSON.stringify(pairs)]);
  const backend = (await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const cpu0 = await processCpuMs(backend);
  let sent = 0;
  let steps = 0;
  const shards = Array.from({ length: Math.ceil(pairs.length / shardSize) }, (_, n) => ({
    pairs: pairs.slice(n * shardSize, (n + 1) * shardSize), held: [] as string[], readyAt: 0 }));
  while (shards.some((shard) => shard.pairs.length > 0 || shard.held.length > 0)) {
    // As the processor does: a shard steps when its pairs' delay has passed, settling its last sends with the next claims.
    const due = shards.filter((shard) => (shard.pairs.length > 0 || shard.held.length > 0) && shard.readyAt <= Date.now());
    if (due.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(...shards.map((shard) => shard.readyAt)) - Date.now()));
      continue;
    }
    for (const shard of due) {
      const outcomes = shard.held.map((id) => ({ item_id: id, kind: 'sent', trigger_id: `t-${id}` }));
      const { rows } = await db.query<{ step: { settled: { status?: string }[]; claims: { user_id: string; reason?: string; wait_ms?: number; item?: { id: string } }[] } }>(
        `select public.processor_step('direct', $1::jsonb, $2::jsonb, now(), 60) as step`, [JSON.stringify(outcomes), JSON.stringify(shard.pairs)]);
      steps += 1;
      const answer = rows[0]!.step;
      sent += answer.settled.filter((entry) => entry.status === 'sent').length;
      shard.held = answer.claims.flatMap((claim) => claim.item ? [claim.item.id] : []);
      const going = new Set(answer.claims.filter((claim) => claim.item || claim.reason === 'paced').map((claim) => claim.user_id));
      shard.pairs = shard.pairs.filter((pair) => going.has(pair.user_id));
      shard.readyAt = Date.now() + Math.max(0, ...answer.claims.map((claim) => claim.wait_ms ?? 0));
    }
  }
  return { sent, cpu: (await processCpuMs(backend)) - cpu0, steps };
}

try {
  await db.query('create extension if not exists pg_stat_statements');
  await seed(url, admins ?? 100, delayMs ?? 0);
  const postmaster = await parentPid((await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
  await db.query('select pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared(\'wal\')');
  let sent: number;
  if (direct) {
    const result = await directSteps();
    sent = result.sent;
    console.log(`${admins ?? 100} admins, direct, shards of ${shardSize}: ${sent} sent in ${result.steps} steps; backend CPU ${result.cpu.toFixed(0)} ms = ${(result.cpu / Math.max(1, sent)).toFixed(2)} ms a send, ${(result.cpu / Math.max(1, result.steps)).toFixed(2)} ms a step`);
  } else {
    const cpu0 = await treeCpuMs(postmaster);
    const t0 = performance.now();
    const ids = (await db.query<{ ids: string[] }>('select public.dispatch_queue_processor() as ids')).rows[0]!.ids;
    await stack.pgNet!.idle();
    const wall = performance.now() - t0;
    const cpu = (await treeCpuMs(postmaster)) - cpu0;
    const shards = (await db.query<{ content: string }>('select content from net._http_response where id = any($1::bigint[])', [ids])).rows
      .map((row) => JSON.parse(row.content) as { totals: { sent: number }; roundTrips: number; errors: string[] });
    sent = shards.reduce((sum, shard) => sum + shard.totals.sent, 0);
    const steps = shards.reduce((sum, shard) => sum + shard.roundTrips, 0);
    console.log(`${admins ?? 100} admins, ${ids.length} shards: ${sent} sent, ${steps} round trips, wall ${(wall / 1000).toFixed(1)} s; PostgreSQL CPU ${cpu.toFixed(0)} ms = ${(cpu / Math.max(1, sent)).toFixed(2)} ms a send`);
    const errors = shards.flatMap((shard) => shard.errors);
    if (errors.length) console.log(`errors (${errors.length}):`, errors.slice(0, 5));
  }
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
  // HOT or not: a non-HOT update writes every index of the table again.
  const tables = await db.query(`select relname, n_tup_upd, n_tup_hot_upd from pg_stat_all_tables
    where relname in ('whatsapp_message_queue', 'leads', 'pair_pacing', 'rate_buckets', 'queue_status_counts', 'queue_performance_metrics') order by 1`);
  console.log('updates (all, HOT):', tables.rows.map((t) => `${t.relname} ${t.n_tup_upd}/${t.n_tup_hot_upd}`).join(', '));
  if (explainMs !== null) console.log(serverLog.filter((line) => /duration|->|Update|Scan|Plan|Filter|Index/.test(line)).join('\n'));
  await cleanup(url);
} finally {
  await stop();
}
