/**
 * Suite 3 — dashboard at scale: queue_status(), the first queue page (with lead names), the hourly
 * throughput and queue_alerts() over a large queue, as an admin and as a manager: direct SQL as the
 * role + claims, and through supabase-js + the gateway when the local stack is there; then a second
 * pass, with the list read page-first.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { databaseUrl, recreateDatabase, resetDatabase } from '@leads-queue/local-supabase';
import { claims, connectAs, emptyResult, fmt, percentile, sample, timeIt, withClient, type BenchContext, type Role, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const CLIENT0 = '00000000-0000-4000-9000-000000000000';
const BENCH_ADMIN = { id: '00000000-0000-4000-a000-000000000000', email: 'admin0@bench.test' };
const BENCH_MANAGER = { id: '00000000-0000-4000-b000-000000000000', email: 'manager0@bench.test' };
const PASSWORD = 'testtesttest';

const ITEM_COLUMNS = 'id, lead_id, user_id, status, priority, scheduled_for, processed_at, attempts, max_attempts, last_error, error_code, created_at, updated_at';

const Q_COLUMNS = ITEM_COLUMNS.split(', ').map((c) => `q.${c}`).join(', ');

/** The list page joined to lead names, as one statement (`status` filter optional). */
function listSql(pendingOnly: boolean): string {
  return `select ${Q_COLUMNS}, l.name as lead_name, l.phone as lead_phone
            from public.whatsapp_message_queue q join public.leads l on l.id = q.lead_id
           where q.client_id = $1${pendingOnly ? ` and q.status = 'pending'` : ''} order by q.created_at desc, q.id limit 50`;
}

/** The rewrite: take the page first, then join the 50 leads (the planner cannot misjudge the join's RLS selectivity). */
function listSqlPageFirst(pendingOnly: boolean): string {
  return `select ${Q_COLUMNS}, l.name as lead_name, l.phone as lead_phone
            from (select * from public.whatsapp_message_queue q
                   where q.client_id = $1${pendingOnly ? ` and q.status = 'pending'` : ''} order by q.created_at desc, q.id limit 50) q
            join public.leads l on l.id = q.lead_id
           order by q.created_at desc, q.id`;
}

/**
 * The dashboard's reads, as SQL. The list is what queueService.listQueueItems asks for, joined to
 * lead names; `fixed` is the page-first rewrite measured in the second pass.
 */
const QUERIES: Record<string, { sql: string; params: unknown[]; fixed?: string }> = {
  queue_status: { sql: 'select * from public.queue_status()', params: [] },
  first_page: { sql: listSql(false), params: [CLIENT0], fixed: listSqlPageFirst(false) },
  first_page_pending: { sql: listSql(true), params: [CLIENT0], fixed: listSqlPageFirst(true) },
  hourly_throughput: { sql: 'select * from public.queue_hourly_throughput(24)', params: [] },
  alerts: { sql: 'select * from public.queue_alerts()', params: [] },
};

const sqlOf = (q: { sql: string; fixed?: string }, fixed: boolean) => (fixed && q.fixed ? q.fixed : q.sql);

const BUDGET_MS: Record<string, number> = { queue_status: 20, first_page: 30 };

interface Stats {
  p50: number;
  p95: number;
}

const stats = (values: number[]): Stats => ({ p50: percentile(values, 50), p95: percentile(values, 95) });

async function measureDirect(url: string, role: Role, runs: number, fixed = false): Promise<Record<string, Stats>> {
  const client = await connectAs(url, role);
  try {
    const out: Record<string, Stats> = {};
    for (const [name, q] of Object.entries(QUERIES)) {
      out[name] = stats(await sample(runs, 3, () => client.query({ name, text: sqlOf(q, fixed), values: q.params })));
    }
    return out;
  } finally {
    await client.end();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of each query as the role, for the report. */
async function explainAll(url: string, role: Role, fixed = false): Promise<Record<string, string>> {
  const client = await connectAs(url, role);
  try {
    const out: Record<string, string> = {};
    for (const [name, q] of Object.entries(QUERIES)) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off, summary on) ${sqlOf(q, fixed)}`, q.params);
      out[name] = rows.map((r) => r['QUERY PLAN']).join('\n');
    }
    return out;
  } finally {
    await client.end();
  }
}

/** The bodies of the SQL functions, explained as the role (a function call's plan is opaque otherwise). */
async function explainFunctionBodies(url: string, role: Role): Promise<Record<string, string>> {
  const client = await connectAs(url, role);
  try {
    const out: Record<string, string> = {};
    for (const fn of ['queue_status', 'queue_alerts']) {
      const { rows } = await client.query<{ src: string }>(`select prosrc as src from pg_proc where proname = $1 and pronamespace = 'public'::regnamespace`, [fn]);
      const body = rows[0]?.src;
      if (!body) continue;
      const plan = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off, summary on) ${body}`);
      out[fn] = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    }
    return out;
  } finally {
    await client.end();
  }
}

/**
 * Does the second pass return what the dashboard shows today? Read as each role both ways, in ONE
 * transaction (rolled back), so now() and every time window are identical.
 */
async function sameAnswers(url: string): Promise<{ admin: boolean; manager: boolean }> {
  return withClient(url, async (db) => {
    const read = async (role: Role, fixed: boolean): Promise<string> => {
      const c = claims(role);
      await db.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [String(c.role), JSON.stringify(c)]);
      const out: unknown[] = [];
      for (const name of ['queue_status', 'hourly_throughput', 'alerts', 'first_page', 'first_page_pending']) {
        const q = QUERIES[name]!;
        out.push((await db.query(sqlOf(q, fixed), q.params)).rows);
      }
      await db.query('reset role');
      return JSON.stringify(out);
    };
    await db.query('begin');
    try {
      const before = { admin: await read(BENCH_ADMIN, false), manager: await read(BENCH_MANAGER, false) };
      return { admin: before.admin === (await read(BENCH_ADMIN, true)), manager: before.manager === (await read(BENCH_MANAGER, true)) };
    } finally {
      await db.query('rollback');
    }
  });
}

interface GatewayFigures {
  /** supabase-js latency per call. */
  admin: Record<string, Stats>;
  manager: Record<string, Stats>;
  /** Median of (gateway − direct) over interleaved pairs of the same reads. */
  overhead: { admin: Record<string, number>; manager: Record<string, number> };
}

const median = (values: number[]) => percentile(values, 50);

/**
 * supabase-js through the local gateway (PostgREST stand-in), signed in as the bench admin / manager.
 * Each gateway call is paired with the same read done directly (role + claims), alternating, so the
 * overhead is not blurred by drift between two separate series.
 */
async function measureGateway(url: string, runs: number): Promise<GatewayFigures | string> {
  const { startTestStack } = await import('@leads-queue/local-supabase/testing');
  const stack = await startTestStack({ databaseUrl: url });
  try {
    const out: Partial<GatewayFigures> = { overhead: { admin: {}, manager: {} } };
    for (const [who, actor] of [['admin', BENCH_ADMIN], ['manager', BENCH_MANAGER]] as const) {
      const client = await stack.signIn(actor.email, PASSWORD);
      const direct = await connectAs(url, actor);
      const check = <T extends { error: unknown }>(res: T): T => {
        if (res.error) throw new Error(`gateway: ${JSON.stringify(res.error)}`);
        return res;
      };
      const sql = (text: string, values: unknown[] = []) => direct.query(text, values);
      const pairs: Record<string, [() => Promise<unknown>, () => Promise<unknown>]> = {
        queue_status: [async () => check(await client.rpc('queue_status').single()), () => sql('select * from public.queue_status()')],
        // As the UI: the page of items, then the names of their leads (two requests; direct: the same two statements).
        first_page: [
          async () => {
            const items = check(
              await client.from('whatsapp_message_queue').select(ITEM_COLUMNS).eq('client_id', CLIENT0)
                .order('created_at', { ascending: false }).order('id').limit(50),
            );
            const ids = [...new Set((items.data as { lead_id: string }[]).map((i) => i.lead_id))];
            return check(await client.from('leads').select('id, name, phone').in('id', ids));
          },
          async () => {
            const items = await sql(`select ${ITEM_COLUMNS} from public.whatsapp_message_queue where client_id = $1 order by created_at desc, id limit 50`, [CLIENT0]);
            const ids = [...new Set(items.rows.map((i: { lead_id: string }) => i.lead_id))];
            return sql('select id, name, phone from public.leads where id = any ($1::uuid[])', [ids]);
          },
        ],
        hourly_throughput: [async () => check(await client.rpc('queue_hourly_throughput', { hours: 24 })), () => sql('select * from public.queue_hourly_throughput(24)')],
        alerts: [async () => check(await client.rpc('queue_alerts')), () => sql('select * from public.queue_alerts()')],
        // A trivial read: the gateway's own cost (JWT check, role switch, JSON) on top of an index lookup.
        trivial: [
          async () => check(await client.from('clients').select('id').eq('id', CLIENT0).limit(1)),
          () => sql('select id from public.clients where id = $1 limit 1', [CLIENT0]),
        ],
      };
      const figures: Record<string, Stats> = {};
      for (const [name, [viaGateway, viaSql]] of Object.entries(pairs)) {
        for (let i = 0; i < 3; i++) await Promise.all([await viaGateway(), await viaSql()]);
        const gw: number[] = [];
        const diff: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          await viaGateway();
          const t1 = performance.now();
          await viaSql();
          const t2 = performance.now();
          gw.push(t1 - t0);
          diff.push(t1 - t0 - (t2 - t1));
        }
        figures[name] = stats(gw);
        out.overhead![who][name] = median(diff);
      }
      out[who] = figures;
      await direct.end();
    }
    return out as GatewayFigures;
  } finally {
    await stack.stop();
  }
}

async function trivialDirect(url: string, runs: number): Promise<Stats> {
  const client = await connectAs(url, BENCH_ADMIN);
  try {
    return stats(await sample(runs, 3, () => client.query({ name: 'trivial', text: 'select id from public.clients where id = $1 limit 1', values: [CLIENT0] })));
  } finally {
    await client.end();
  }
}

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
  const mix = await withClient(url, counts);
  const audit = await withClient(url, async (db) => (await db.query<{ n: string }>('select count(*)::text as n from public.queue_audit_log')).rows[0]?.n);
  ctx.log(`  loaded ${rows} queue rows in ${(loadMs / 1000).toFixed(1)} s (${mix}; ${audit} audit rows)`);

  const before = { admin: await measureDirect(url, BENCH_ADMIN, runs), manager: await measureDirect(url, BENCH_MANAGER, runs) };
  const trivial = await trivialDirect(url, runs);
  const plansBefore = { admin: await explainAll(url, BENCH_ADMIN), manager: await explainAll(url, BENCH_MANAGER) };
  const bodiesBefore = { admin: await explainFunctionBodies(url, BENCH_ADMIN), manager: await explainFunctionBodies(url, BENCH_MANAGER) };
  const gatewayOrReason = async (): Promise<GatewayFigures | string> => {
    try {
      return await measureGateway(url, runs);
    } catch (error) {
      return `stack failed: ${(error as Error).message}`;
    }
  };
  const gateway = await gatewayOrReason();
  let gatewayAfter: GatewayFigures | string | null = null;
  ctx.log(`  measured the first pass${typeof gateway === 'string' ? ` (gateway skipped: ${gateway})` : ' (direct + gateway)'}`);

  let after: typeof before | null = null;
  let plansAfter: typeof plansBefore | null = null;
  let bodiesAfter: typeof bodiesBefore | null = null;
  let secondPassError: string | null = null;
  let same: { admin: boolean; manager: boolean } | null = null;
  try {
    same = await sameAnswers(url);
    after = { admin: await measureDirect(url, BENCH_ADMIN, runs, true), manager: await measureDirect(url, BENCH_MANAGER, runs, true) };
    plansAfter = { admin: await explainAll(url, BENCH_ADMIN, true), manager: await explainAll(url, BENCH_MANAGER, true) };
    bodiesAfter = { admin: await explainFunctionBodies(url, BENCH_ADMIN), manager: await explainFunctionBodies(url, BENCH_MANAGER) };
    // Again through the gateway: with ~1 ms queries the paired overhead is no longer lost in the query's own jitter.
    if (typeof gateway !== 'string') gatewayAfter = await gatewayOrReason();
  } catch (error) {
    secondPassError = (error as Error).message;
  }

  const result = emptyResult(`3. Dashboard at ${rows.toLocaleString('en-US')} queue rows (ms, p50 / p95)`, [
    'query', 'as', 'direct', 'direct, page-first list', 'supabase-js + gateway', 'supabase-js + gateway (2nd pass)', 'gateway overhead p50 (1st / 2nd pass)',
  ]);
  const pair = (s: Stats | undefined) => (s ? `${fmt(s.p50, 2)} / ${fmt(s.p95, 2)}` : '—');
  for (const who of ['admin', 'manager'] as const) {
    for (const name of Object.keys(QUERIES)) {
      const d = before[who][name];
      const gw = typeof gateway === 'string' ? undefined : gateway[who][name];
      const overhead = typeof gateway === 'string' ? undefined : gateway.overhead[who][name];
      const ga = gatewayAfter && typeof gatewayAfter !== 'string' ? gatewayAfter : null;
      result.rows.push([
        name, who, pair(d), pair(after?.[who][name]), gw ? pair(gw) : typeof gateway === 'string' ? 'skipped' : '—', pair(ga?.[who][name]),
        overhead !== undefined ? `${fmt(overhead, 2)} / ${fmt(ga?.overhead[who][name], 2)}` : '—',
      ]);
    }
  }
  if (typeof gateway !== 'string') {
    const gw = gateway.admin.trivial!;
    // Budgets on the second pass when there is one: slow queries' jitter swamps a few ms of overhead.
    const ga = gatewayAfter && typeof gatewayAfter !== 'string' ? gatewayAfter : null;
    const o = (ga ?? gateway).overhead.admin;
    result.rows.push(['trivial select (clients by id)', 'admin', pair(trivial), '—', pair(gw), pair(ga?.admin.trivial), `${fmt(gateway.overhead.admin.trivial!, 2)} / ${fmt(ga?.overhead.admin.trivial, 2)}`]);
    for (const name of ['trivial', 'queue_status', 'hourly_throughput', 'alerts'] as const) {
      result.budgets.push({ label: `gateway overhead < 3 ms p50 per request (${name}, admin${ga ? ', 2nd pass' : ''})`, value: `${fmt(o[name]!, 2)} ms`, met: o[name]! < 3 });
    }
    // The list page is two requests (items, then lead names).
    result.budgets.push({ label: `gateway overhead < 3 ms p50 per request (first_page = 2 requests, admin${ga ? ', 2nd pass' : ''})`, value: `${fmt(o.first_page! / 2, 2)} ms per request (${fmt(o.first_page!, 2)} ms for both)`, met: o.first_page! / 2 < 3 });
  } else {
    result.budgets.push({ label: 'gateway overhead < 3 ms p50', value: `skipped: ${gateway}`, met: null });
  }
  for (const [name, budget] of Object.entries(BUDGET_MS)) {
    for (const who of ['admin', 'manager'] as const) {
      const p95 = before[who][name]!.p95;
      const fixed = after?.[who][name]?.p95;
      result.budgets.push({
        label: `${name} p95 < ${budget} ms (direct, ${who})`,
        value: `${fmt(p95, 2)} ms${fixed !== undefined ? `; page-first list / 2nd pass ${fmt(fixed, 2)} ms` : ''}`,
        met: p95 < budget,
      });
    }
  }
  result.notes.push(
    `Fixture: ${rows.toLocaleString('en-US')} queue rows (${mix}), ${rows / 4} leads, ${audit} audit rows, 50 admins + 3 managers over 3 clients, spread over 30 days; ` +
      `bulk-loaded with session_replication_role = replica (triggers and FK checks off), queue_performance_metrics rebuilt with one INSERT … SELECT, then VACUUM ANALYZE (${(loadMs / 1000).toFixed(1)} s).`,
    `Direct: one connection in the role with the JWT claims set (as PostgREST does), named prepared statements, ${runs} runs after 3 warm-ups. ` +
      'Admin = admin0 of client 0 (≈1/17 of that client’s rows); manager = manager of client 0 (≈1/3 of all rows).',
    'first_page = the UI’s list query (client_id filter, created_at desc, id, limit 50) joined to leads for names in one statement; first_page_pending adds the pending tab’s status filter. ' +
      'Through the gateway it is the UI’s two requests (items, then lead names); its overhead is paired with the same two statements direct. Gateway overhead = median over interleaved pairs of (supabase-js call − the same SQL direct), measured in two passes (budget verdicts use the second: the own jitter of a 50 ms query swamps a 1–2 ms overhead). The gateway is the local-supabase Node stand-in for Kong + PostgREST, not the hosted stack. The "page-first list" column runs the list as page-first-then-join (see the report).',
  );
  if (same) {
    const verdict = (ok: boolean) => (ok ? 'the same answers' : 'DIFFERENT answers');
    result.notes.push(
      `Correctness: in the second pass the admin gets ${verdict(same.admin)} and the manager ${verdict(same.manager)} as in the first ` +
        '(queue_status, hourly throughput, alerts, both list pages; compared inside one rolled-back transaction, so now() is the same).',
    );
  }
  if (secondPassError) result.notes.push(`Second pass not measured: ${secondPassError}`);
  const excerpt = (plan: string | undefined) => (plan ?? '').split('\n').filter((l) => !/^\s*(Buffers|SubPlan|InitPlan|-> {2}(ProjectSet|Result))/.test(l)).slice(0, 40).join('\n');
  result.details = [
    { title: 'EXPLAIN (ANALYZE, BUFFERS) — queue_status() body as the manager, 1st pass', body: excerpt(bodiesBefore.manager.queue_status) },
    { title: 'EXPLAIN (ANALYZE, BUFFERS) — queue_status() body as the manager, 2nd pass', body: excerpt(bodiesAfter?.manager.queue_status) },
    { title: 'EXPLAIN (ANALYZE, BUFFERS) — pending tab list page as the manager, join', body: excerpt(plansBefore.manager.first_page_pending) },
    { title: 'EXPLAIN (ANALYZE, BUFFERS) — pending tab list page as the manager, page-first rewrite', body: excerpt(plansAfter?.manager.first_page_pending) },
    { title: 'EXPLAIN (ANALYZE, BUFFERS) — queue_alerts() body as the admin', body: excerpt(bodiesBefore.admin.queue_alerts) },
  ];
  result.data = { rows, mix, audit, loadMs, before, after, gateway, gatewayAfter, same, trivial, plansBefore, plansAfter, bodiesBefore, bodiesAfter };
  return result;
}
