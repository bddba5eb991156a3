/**
 * `npx tsx bench/outlook-profile.ts [rows] [runs] [dataDir]`: queue_outlook for a page of 50 pending items (the first
 * page of the pending tab and a deep one) and queue_drain, as admin0 and the manager of client 0, over suite 3's
 * dashboard fixture at `rows` rows: p50/p95 of `runs` direct calls in the role with the JWT claims (as PostgREST runs
 * them) and the backend's CPU a call, the walk it replaced (private.pair_outlook_walk) timed a few times on the same
 * pages, and EXPLAIN of the hot statement (private.pair_ranks, which counts the due items ahead). LQ_OUTLOOK_FUNCS=1 adds the time per function of the
 * manager's page and drain. With a dataDir the loaded server is kept and reused (the branch's newer migrations applied).
 * Every call is asked at one `at`: LQ_OUTLOOK_AT, else the time the fixture was loaded (its times are relative to it), so
 * runs on a reused dir compare at any hour: asked at now(), items came due and the drain's walk shrank as the clock moved.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres, withClient } from '@leads-queue/local-supabase';
import { backendCpu, BENCH_ACTORS, BENCH_CLIENT0, connectAs, fmt, percentile, sample } from './lib.ts';
import { loadDashboardData } from './suites/dashboard.ts';

const rows = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 30);
const dataDir = process.argv[4] ?? path.join(await mkdtemp(path.join(os.tmpdir(), 'lq-outlook-')), 'data');
const CLIENT0 = BENCH_CLIENT0;
const ACTORS = BENCH_ACTORS;
// LQ_OUTLOOK_WALK=0 leaves the old walk out (a manager's page took it 20-28 s at 1M rows).
const WALK_RUNS = process.env.LQ_OUTLOOK_WALK === '0' ? 0 : 3;

const server = await startEmbeddedPostgres({ dataDir, port: Number(process.env.LQ_OUTLOOK_PORT ?? 0) || undefined });
const url = databaseUrl(server.url, 'bench_outlook');
try {
  const loaded = await withClient(server.url, async (db) =>
    (await db.query(`select 1 from pg_database where datname = 'bench_outlook'`)).rowCount === 1);
  if (!loaded) {
    await recreateDatabase(server.url, 'bench_outlook');
    await resetDatabase(url, { seed: false });
    const ms = await loadDashboardData(url, rows);
    // The bulk load runs with triggers off: queue_drain reads the pairs' waiting counts from the kept counters.
    await withClient(url, (db) => db.query('select private.recount_queue_statuses()'));
    console.log(`loaded ${rows} rows in ${(ms / 1000).toFixed(1)} s`);
  } else {
    const applied = await applyMigrations(url);
    if (applied.length > 0) console.log(`applied ${applied.join(', ')}`);
  }
  // The fixture's clock: its users are created at the load's now(), the times of its items relative to it.
  const at = process.env.LQ_OUTLOOK_AT ?? await withClient(url, async (db) => (await db.query<{ at: Date }>(
    `select min(created_at) as at from auth.users where email like '%@bench.test'`)).rows[0]!.at.toISOString());
  console.log(`at ${at}`);
  await withClient(url, (db) => db.query('grant execute on function private.pair_outlook_walk(uuid, uuid, uuid[], timestamptz) to authenticated'));

  // The caller's pending items newest first (the pending tab's order), read as the superuser with the caller's filter.
  const pages = await withClient(url, async (db) => {
    const page = async (owner: string | null, depth: number) => (await db.query<{ id: string }>(
      `select id from public.whatsapp_message_queue where client_id = $1 and status = 'pending' and ($2::uuid is null or user_id = $2)
        order by created_at desc, id desc offset $3 limit 50`, [CLIENT0, owner, depth])).rows.map((r) => r.id);
    const pending = async (owner: string | null) => Number((await db.query<{ n: string }>(
      `select count(*) as n from public.whatsapp_message_queue where client_id = $1 and status = 'pending' and ($2::uuid is null or user_id = $2)`,
      [CLIENT0, owner])).rows[0]!.n);
    const adminPending = await pending(ACTORS.admin.id);
    const managerPending = await pending(null);
    console.log(`pending: admin0 ${adminPending}, client 0 ${managerPending}`);
    return {
      admin: { first: await page(ACTORS.admin.id, 0), deep: await page(ACTORS.admin.id, Math.floor(adminPending * 0.9)) },
      manager: { first: await page(null, 0), deep: await page(null, Math.floor(managerPending * 0.9)) },
    };
  });

  const walkSql = `select o.* from (select q.user_id, q.client_id, array_agg(q.id) as ids from public.whatsapp_message_queue q
      where q.status in ('pending', 'queued', 'processing') and q.id = any ($1) group by q.user_id, q.client_id) p,
      lateral private.pair_outlook_walk(p.user_id, p.client_id, p.ids, $2) o`;
  const stat = (values: number[]) => `p50 ${fmt(percentile(values, 50))} ms, p95 ${fmt(percentile(values, 95))} ms`;
  for (const who of ['admin', 'manager'] as const) {
    const db = await connectAs(url, ACTORS[who]);
    const cpuMs = await backendCpu(db);
    const timed = async (work: () => Promise<unknown>) => {
      const before = cpuMs();
      const values = await sample(runs, 2, work);
      return `${stat(values)}, backend CPU ${fmt((cpuMs() - before) / (runs + 2), 2)} ms a call`;
    };
    try {
      for (const [name, ids] of Object.entries(pages[who])) {
        const fast = await timed(() => db.query('select * from public.queue_outlook($1, $2, $3)', [ids, CLIENT0, at]));
        const same = WALK_RUNS === 0 ? 'not compared' : JSON.stringify((await db.query('select * from public.queue_outlook($1, $2, $3) order by 1', [ids, CLIENT0, at])).rows.map((r) => r.expected_send_at))
          === JSON.stringify((await db.query(`${walkSql} order by 1`, [ids, at])).rows.map((r) => r.expected_send_at));
        const walk = await sample(WALK_RUNS, 0, () => db.query(walkSql, [ids, at]));
        const old = WALK_RUNS === 0 ? 'not timed' : stat(walk);
        console.log(`${who} ${name} page (${ids.length} items): queue_outlook ${fast}; old walk ${old}; same expected_send_at: ${same}`);
      }
      const drain = await timed(() => db.query('select * from public.queue_drain($1, $2)', [CLIENT0, at]));
      const answer = (await db.query('select * from public.queue_drain($1, $2)', [CLIENT0, at])).rows[0];
      console.log(`${who} queue_drain: ${drain} (${JSON.stringify(answer)})`);
    } finally {
      await db.end();
    }
  }

  if (process.env.LQ_OUTLOOK_FUNCS === '1') {
    // Where a call's time goes, function by function (track_functions; its own timing inflates the small ones).
    const db = await connectAs(url, ACTORS.manager);
    try {
      for (const [name, sql, args] of [
        ['manager first page', 'select count(*) from public.queue_outlook($1, $2, $3)', [pages.manager.first, CLIENT0, at]],
        ['manager drain', 'select * from public.queue_drain($1, $2)', [CLIENT0, at]],
      ] as const) {
        await db.query(`reset role; set track_functions = 'all'; set role authenticated`);
        await db.query('begin');
        for (let i = 0; i < runs; i++) await db.query(sql, [...args]);
        const { rows } = await db.query<{ f: string; calls: string; total: number; self: number }>(
          `select funcname as f, calls, total_time as total, self_time as self from pg_stat_xact_user_functions order by self_time desc limit 12`);
        await db.query('rollback');
        console.log(`${name}, per call over ${runs} calls (function: calls, total ms, self ms):\n${rows.map((r) =>
          `  ${r.f}: ${(Number(r.calls) / runs).toFixed(1)}, ${fmt(r.total / runs, 2)}, ${fmt(r.self / runs, 2)}`).join('\n')}`);
      }
    } finally {
      await db.end();
    }
  }

  // The hot statement: pair_ranks's counts of the due items ahead for admin0's deep page, its plan as auto_explain logs it.
  const plan = await withClient(url, async (db) => {
    const { rows: [last] } = await db.query<{ priority: string; scheduled_for: Date; id: string }>(
      `select priority, scheduled_for, id from public.whatsapp_message_queue where id = any ($1) and status = 'pending'
        order by priority asc, scheduled_for desc, id desc limit 1`, [pages.admin.deep]);
    const logged: string[] = [];
    db.on('notice', (notice) => logged.push(notice.message ?? ''));
    await db.query(`load 'auto_explain'`);
    await db.query(`select set_config('auto_explain.log_min_duration', '0', false), set_config('auto_explain.log_analyze', 'on', false),
      set_config('auto_explain.log_buffers', 'on', false), set_config('auto_explain.log_nested_statements', 'on', false),
      set_config('client_min_messages', 'log', false), set_config('request.jwt.claims', '{"role":"service_role"}', false)`);
    await db.query('select count(*) from private.pair_ranks($1, $2, $3, private.next_minute($7), $4, $5, $6)',
      [ACTORS.admin.id, CLIENT0, pages.admin.deep, last!.priority, last!.scheduled_for, last!.id, at]);
    return logged.filter((message) => message.includes('WindowAgg')).join('\n');
  });
  console.log(`EXPLAIN of pair_ranks's count (admin0, deep page):\n${plan}`);
} finally {
  await server.stop();
}
