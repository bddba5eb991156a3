/**
 * Suite 2 — enqueue: 10,000 leads through enqueue_leads as the Demo admin (10 calls of 1,000, its cap, in one
 * transaction to the commit), and the same 10,000 through the queue-leads Edge Function on the local stack.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrl, recreateDatabase, resetDatabase } from '@leads-queue/local-supabase';
import { connectAs, emptyResult, fmt, percentile, withClient, type BenchContext, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const DEMO_CLIENT = '11111111-1111-4111-8111-111111111111';
const DEMO_ADMIN = { id: 'a0000000-0000-4000-8000-000000000001', email: 'test@test.test' };
const LEADS = 10_000;
const OPEN_ALL_WEEK = Object.fromEntries(
  ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((day) => [day, { enabled: true, start: '00:00', end: '24:00' }]),
);

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

async function reset(url: string): Promise<string[]> {
  return withClient(url, async (db) => {
    await db.query('truncate public.whatsapp_message_queue, public.queue_audit_log, public.queue_performance_metrics, private.rate_buckets');
    await db.query('analyze public.whatsapp_message_queue');
    const { rows } = await db.query<{ id: string }>(`select id from public.leads where client_id = $1 and name like $2 order by id`, [DEMO_CLIENT, 'Bench lead %']);
    return rows.map((r) => r.id);
  });
}

async function viaFunction(url: string, ids: string[]): Promise<{ totalMs: number; callsMs: number[] } | string> {
  if (!(await exists(path.join(ROOT, 'supabase', 'functions', 'queue-leads', 'index.ts')))) return 'supabase/functions/queue-leads is missing';
  const { startTestStack } = await import('@leads-queue/local-supabase/testing');
  const stack = await startTestStack({ databaseUrl: url, functions: true });
  try {
    const admin = await stack.signIn(DEMO_ADMIN.email, 'testtesttest');
    // Warm-up: boots the Deno worker (a rejected empty request queues nothing).
    await admin.functions.invoke('queue-leads', { body: { leadIds: [] } });
    const callsMs: number[] = [];
    const start = performance.now();
    for (let i = 0; i < ids.length; i += 1000) {
      const t0 = performance.now();
      const { data, error } = await admin.functions.invoke('queue-leads', { body: { leadIds: ids.slice(i, i + 1000) } });
      callsMs.push(performance.now() - t0);
      if (error) {
        const body = await (error as { context?: Response }).context?.text?.().catch(() => '');
        throw new Error(`queue-leads failed: ${error.message} ${body ?? ''}`);
      }
      if ((data as { queued?: number }).queued !== Math.min(1000, ids.length - i)) throw new Error(`queue-leads queued ${JSON.stringify(data)}`);
    }
    return { totalMs: performance.now() - start, callsMs };
  } finally {
    await stack.stop();
  }
}

/** The INSERT enqueue_leads runs (as its owner), explained: per-constraint FK trigger time and the statement triggers. */
async function insertBreakdown(url: string, ids: string[]): Promise<{ summary: string; plan: string }> {
  return withClient(url, async (admin) => {
    await admin.query('begin');
    const { rows } = await admin.query<{ 'QUERY PLAN': string }>(
      `explain (analyze, buffers, costs off)
       insert into public.whatsapp_message_queue (lead_id, client_id, user_id, priority, scheduled_for, message_template, message_variables)
       select u, $2, $3, 'normal', now(), 'initial_outreach', '{}' from unnest($1::uuid[]) u
       on conflict (lead_id) where status in ('pending', 'queued', 'processing') do nothing returning id`,
      [ids, DEMO_CLIENT, DEMO_ADMIN.id],
    );
    await admin.query('rollback');
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    const pick = (re: RegExp) => plan.match(re)?.[1];
    const triggers = [...plan.matchAll(/Trigger (?:for constraint )?(\S+): time=([\d.]+)/g)].map((m) => `${m[1]} ${Number(m[2]).toFixed(0)} ms`);
    const total = pick(/Execution Time: ([\d.]+)/);
    const insertOnly = pick(/Insert on whatsapp_message_queue \(actual time=[\d.]+\.\.([\d.]+)/);
    return { summary: `total ${Number(total).toFixed(0)} ms = insert with its index entries (9 indexes cover a pending row) ${Number(insertOnly).toFixed(0)} ms, ${triggers.join(', ')}`, plan };
  });
}

export async function enqueueSuite(ctx: BenchContext): Promise<SuiteResult> {
  const runs = ctx.quick ? 3 : 7;
  const url = databaseUrl(ctx.serverUrl, 'bench_enqueue');
  await recreateDatabase(ctx.serverUrl, 'bench_enqueue');
  await resetDatabase(url);
  await withClient(url, async (db) => {
    await db.query(
      `update public.user_queue_settings set max_capacity = 100000, daily_target = 100000, business_hours = $2,
         holiday_calendar = 'none', closed_dates = '{}' where user_id = $1`,
      [DEMO_ADMIN.id, JSON.stringify(OPEN_ALL_WEEK)],
    );
    await db.query(
      `insert into public.leads (client_id, name, phone) select $1, 'Bench lead ' || i, '+97250' || lpad(i::text, 7, '0') from generate_series(1, $2) i`,
      [DEMO_CLIENT, LEADS],
    );
    // The bench measures the path, not the limiter.
    await db.query('update private.queue_limits set operations_per_hour = 1000000');
    await db.query('vacuum analyze');
  });

  const result = emptyResult('2. Enqueue 10,000 leads', ['path', 'calls', 'p50 ms', 'max ms', 'leads/s (p50)']);
  const sqlMs: number[] = [];
  const commitMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const ids = await reset(url);
    const admin = await connectAs(url, DEMO_ADMIN);
    try {
      // One transaction, as PostgREST runs an RPC; timed to the commit.
      const start = performance.now();
      await admin.query('begin');
      for (let i = 0; i < ids.length; i += 1000) {
        const { rows } = await admin.query<{ r: { queued?: number } }>('select public.enqueue_leads($1::uuid[]) as r', [ids.slice(i, i + 1000)]);
        if (rows[0]?.r.queued !== Math.min(1000, ids.length - i)) throw new Error(`enqueue_leads answered ${JSON.stringify(rows[0]?.r)}`);
      }
      const beforeCommit = performance.now();
      await admin.query('commit');
      sqlMs.push(performance.now() - start);
      commitMs.push(performance.now() - beforeCommit);
    } finally {
      await admin.end();
    }
  }
  const p50 = percentile(sqlMs, 50);
  result.rows.push(['enqueue_leads (SQL, 10 × 1,000, one transaction)', 10, fmt(p50, 0), fmt(Math.max(...sqlMs), 0), fmt((LEADS * 1000) / p50, 0)]);
  result.budgets.push({ label: 'enqueue_leads of 10,000 leads (10 calls of 1,000) < 1 s', value: `p50 ${fmt(p50, 0)} ms, max ${fmt(Math.max(...sqlMs), 0)} ms over ${runs} runs`, met: Math.max(...sqlMs) < 1000 });

  const breakdown = await insertBreakdown(url, await reset(url));
  result.notes.push(`Where the time goes (EXPLAIN ANALYZE of enqueue_leads' INSERT of 10,000 rows, rolled back): ${breakdown.summary}; commit p50 ${fmt(percentile(commitMs, 50), 0)} ms.`);

  let fn: Awaited<ReturnType<typeof viaFunction>>;
  try {
    fn = await viaFunction(url, await reset(url));
  } catch (error) {
    fn = `failed: ${(error as Error).message}`;
  }
  if (typeof fn === 'string') {
    result.rows.push(['queue-leads Edge Function (10 × 1,000)', 10, 'skipped', '—', '—']);
    result.notes.push(`queue-leads skipped: ${fn}`);
  } else {
    result.rows.push([
      'queue-leads Edge Function (10 × 1,000)', 10, `${fmt(fn.totalMs, 0)} total (${fmt(percentile(fn.callsMs, 50), 0)} per call)`,
      fmt(Math.max(...fn.callsMs), 0), fmt((LEADS * 1000) / fn.totalMs, 0),
    ]);
  }
  result.notes.push(
    `SQL: ${runs} runs, each on an empty queue (truncated), as the Demo admin on one connection (role + JWT claims), begin → 10 × enqueue_leads(1,000 ids) → commit; triggers (audit, metrics) on, operation limit raised.`,
    'Edge Function: local stack (gateway + real Deno), signed in as the Demo admin, business hours opened 00:00–24:00 all week and holiday calendar off first, queueing rate limit raised; one warm-up call boots the worker.',
  );
  result.details = [{ title: "EXPLAIN (ANALYZE, BUFFERS) — enqueue_leads' INSERT of 10,000 rows (rolled back)", body: breakdown.plan }];
  result.data = { sqlMs, commitMs, fn, insertPlan: breakdown.plan };
  return result;
}
