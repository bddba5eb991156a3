/**
 * Suite 7: the processor's fan-out through the whole local path: the dispatcher's SQL (as pg_cron runs it) queues one
 * pg_net request per shard, the pg_net stand-in POSTs them to queue-processor (real Deno), which sends to the Agent DB
 * stand-in. N running admins, each with their own client. Measured from outside the processes (/proc): the Deno
 * process's CPU and peak RSS, PostgreSQL's CPU (the postmaster and its backends), this Node process's CPU (the gateway
 * with its PostgREST stand-in, the pg_net worker and the Agent DB stand-in), wall per tick and per invocation (pg_net's
 * answers), sends, and the round trips each invocation reports. Then one shard's invocation alone in its own fresh
 * Deno process (its CPU and peak memory in isolation), and the default pace (2 s) with 1,000 admins.
 */
import { readFile } from 'node:fs/promises';
import { databaseUrl, recreateDatabase, resetDatabase, withClient } from '@leads-queue/local-supabase';
import type { TestStack } from '@leads-queue/local-supabase/testing';
import { startProcessorProcess, runProcessorProcess } from '../../tests/support/processorProcess.ts';
import { emptyResult, fmt, percentile, type BenchContext, type SuiteResult } from '../lib.ts';
import { parentPid, processCpuMs, rssSampler, treeCpuMs } from '../procStats.ts';

export { processCpuMs };

const ITEMS_PER_ADMIN = 10;

interface Shard {
  totals: { sent: number; failed: number; retrying: number };
  admins: { userId: string; sent: number; lost: number; skipped?: string }[];
  roundTrips: number;
  errors: string[];
  startedAt: string;
  finishedAt: string;
}

/** N admins, each the only admin of their own client, running, open all week, with `items` due items; delay as given. */
export async function seed(url: string, admins: number, delayMs: number, items = ITEMS_PER_ADMIN): Promise<void> {
  await withClient(url, async (db) => {
    await db.query(`update public.user_queue_settings set processing_state = 'paused'`);
    await db.query(
      `with made as (
         insert into auth.users (id, email) select gen_random_uuid(), 'bench-' || n || '-' || gen_random_uuid() || '@bench.test'
           from generate_series(1, $1) n returning id
       ), numbered as (select id, row_number() over () as n from made),
       clients as (insert into public.clients (name) select 'Bench client ' || n from numbered returning id, name)
       insert into public.client_members (client_id, user_id, role)
       select c.id, u.id, 'admin' from numbered u join clients c on c.name = 'Bench client ' || u.n`,
      [admins],
    );
    await db.query(
      `update public.user_queue_settings s set processing_state = 'running', holiday_calendar = 'none', processing_delay_ms = $1,
              max_capacity = 100000, daily_target = 100000,
              business_hours = (select jsonb_object_agg(d, '{"enabled": true, "start": "00:00", "end": "24:00"}'::jsonb)
                                  from unnest(array['sunday','monday','tuesday','wednesday','thursday','friday','saturday']) d)
        where s.user_id in (select id from auth.users where email like 'bench-%')`,
      [delayMs],
    );
    await db.query(
      `with leads as (
         insert into public.leads (client_id, name, phone)
         select m.client_id, 'Bench lead', '+97250' || lpad((row_number() over ())::text, 7, '0')
           from public.client_members m cross join generate_series(1, $1)
          where m.user_id in (select id from auth.users where email like 'bench-%')
         returning id, client_id)
       insert into public.whatsapp_message_queue (lead_id, client_id, user_id, scheduled_for)
       select l.id, l.client_id, m.user_id, now() - interval '1 minute' from leads l join public.client_members m on m.client_id = l.client_id`,
      [items],
    );
    await db.query('vacuum analyze');
  });
}

export async function cleanup(url: string): Promise<void> {
  await withClient(url, async (db) => {
    await db.query(`delete from public.clients where name like 'Bench client %'`);
    await db.query(`delete from auth.users where email like 'bench-%'`);
    await db.query(`delete from private.rate_buckets`);
    await db.query(`delete from net._http_response`);
  });
}


interface Meters {
  deno: number;
  postmaster: number;
}

interface TickFigures {
  shards: Shard[];
  /** Items waiting for a retry after this tick, by the error of their last attempt. */
  retryCodes: Record<string, number>;
  ids: string[];
  wallMs: number;
  denoMs: number;
  postgresMs: number;
  nodeMs: number;
  peakRss: number;
}

/** One dispatcher tick, waited for until every shard answered; `minWallMs` keeps ticks a minute apart (the paced run). */
async function tick(url: string, stack: TestStack, meters: Meters, minWallMs = 0): Promise<TickFigures> {
  const rss = rssSampler(meters.deno, 50);
  const [deno0, pg0, node0] = [await processCpuMs(meters.deno), await treeCpuMs(meters.postmaster), process.cpuUsage()];
  const t0 = performance.now();
  const ids = await withClient(url, async (db) => (await db.query<{ ids: string[] }>('select public.dispatch_queue_processor() as ids')).rows[0]!.ids);
  await stack.pgNet!.idle();
  const wallMs = performance.now() - t0;
  rss.stop();
  const node = process.cpuUsage(node0);
  const figures = { ids, wallMs, denoMs: (await processCpuMs(meters.deno)) - deno0, postgresMs: (await treeCpuMs(meters.postmaster)) - pg0,
    nodeMs: (node.user + node.system) / 1000, peakRss: rss.peak() };
  const shards = await withClient(url, async (db) =>
    (await db.query<{ content: string }>('select content from net._http_response where id = any($1::bigint[])', [ids])).rows.map((row) => JSON.parse(row.content) as Shard));
  if (minWallMs > wallMs) await new Promise((resolve) => setTimeout(resolve, minWallMs - wallMs));
  return { ...figures, shards, retryCodes: await retryCodes(url) };
}

/** `count` dispatcher ticks a minute apart, measured together until every invocation answered; `perAdmin`: each
 * admin's sends (processed_at) in the `count` minutes from the first tick. */
async function pacedTicks(url: string, stack: TestStack, meters: Meters, count: number): Promise<TickFigures & { perAdmin: number[] }> {
  const rss = rssSampler(meters.deno, 50);
  const [deno0, pg0, node0] = [await processCpuMs(meters.deno), await treeCpuMs(meters.postmaster), process.cpuUsage()];
  const t0 = performance.now();
  const since = await withClient(url, async (db) => (await db.query<{ at: Date }>('select clock_timestamp() as at')).rows[0]!.at);
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const wait = t0 + n * 60_000 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    ids.push(...await withClient(url, async (db) => (await db.query<{ ids: string[] }>('select public.dispatch_queue_processor() as ids')).rows[0]!.ids));
  }
  const rest = t0 + count * 60_000 - performance.now();
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  await stack.pgNet!.idle();
  const wallMs = performance.now() - t0;
  rss.stop();
  const node = process.cpuUsage(node0);
  const figures = { ids, wallMs, denoMs: (await processCpuMs(meters.deno)) - deno0, postgresMs: (await treeCpuMs(meters.postmaster)) - pg0,
    nodeMs: (node.user + node.system) / 1000, peakRss: rss.peak() };
  return withClient(url, async (db) => {
    const shards = (await db.query<{ content: string }>('select content from net._http_response where id = any($1::bigint[])', [ids])).rows
      .map((row) => JSON.parse(row.content) as Shard);
    const perAdmin = (await db.query<{ n: number }>(
      `select count(*)::int as n from public.whatsapp_message_queue where status = 'sent' and processed_at >= $1
          and processed_at < $1 + make_interval(mins => $2) group by user_id`, [since, count])).rows.map((row) => row.n);
    return { ...figures, shards, perAdmin, retryCodes: await retryCodes(url) };
  });
}

async function retryCodes(url: string): Promise<Record<string, number>> {
  return withClient(url, async (db) => Object.fromEntries((await db.query<{ code: string; n: number }>(
    `select coalesce(error_code, '?') as code, count(*)::int as n from public.whatsapp_message_queue
      where status = 'pending' and attempts > 0 group by 1 order by 2 desc`)).rows.map((row) => [row.code, row.n])));
}

/** What kept items from going out in a tick: retries scheduled, failures, sends lost, the invocations' errors. */
function troubles(t: Pick<TickFigures, 'shards' | 'retryCodes'>): string {
  const sum = (pick: (shard: Shard) => number) => t.shards.reduce((total, shard) => total + pick(shard), 0);
  const lost = sum((shard) => shard.admins.reduce((total, admin) => total + admin.lost, 0));
  const codes = Object.entries(t.retryCodes).map(([code, n]) => `${code} ${n}`).join(', ');
  return `${sum((shard) => shard.totals.retrying)} / ${sum((shard) => shard.totals.failed)} / ${lost} / ${sum((shard) => shard.errors.length)}${codes ? ` (${codes})` : ''}`;
}

function row(run: number, admins: number, delay: number, n: number | string, t: TickFigures): (string | number)[] {
  const sent = t.shards.reduce((sum, shard) => sum + shard.totals.sent, 0);
  const trips = t.shards.reduce((sum, shard) => sum + shard.roundTrips, 0);
  const maxWall = Math.max(0, ...t.shards.map((shard) => Date.parse(shard.finishedAt) - Date.parse(shard.startedAt)));
  const per = (ms: number) => fmt(sent ? ms / sent : 0, 2);
  return [run, admins, delay, n, t.ids.length, sent, fmt(t.wallMs / 1000, 1), fmt(maxWall / 1000, 1), fmt(t.denoMs / 1000, 2), per(t.denoMs),
    per(t.postgresMs), per(t.nodeMs), fmt(t.peakRss, 0), fmt(sent ? trips / sent : 0, 2), troubles(t)];
}

const sentIn = (t: TickFigures) => t.shards.reduce((sum, shard) => sum + shard.totals.sent, 0);

export async function processorSuite(ctx: BenchContext): Promise<SuiteResult> {
  const url = databaseUrl(ctx.serverUrl, 'bench_processor');
  await recreateDatabase(ctx.serverUrl, 'bench_processor');
  await resetDatabase(url);
  const { startTestStack } = await import('@leads-queue/local-supabase/testing');
  const env = { WHATSAPP_RATE_LIMIT_PER_HOUR: '1000000' };
  const stack = await startTestStack({ databaseUrl: url, functions: true, eagerFunctions: true, sink: { keepAlive: true }, pgNet: true, env });
  const result = emptyResult('7. Processor fan-out (dispatcher -> pg_net -> queue-processor shards -> Agent DB stand-in)', [
    'run', 'admins', 'delay ms', 'tick', 'shards', 'sent', 'tick wall s', 'max invocation wall s', 'Deno CPU s', 'Deno CPU / send ms',
    'Postgres CPU / send ms', 'Node CPU / send ms', 'Deno peak RSS MB', 'round trips / send',
    'retrying / failed / lost / errors (waiting retries by code)',
  ]);
  const data: unknown[] = [];
  const runs = ctx.quick ? 1 : 2;
  let shardSize = 0;
  try {
    shardSize = await withClient(url, async (db) => (await db.query<{ n: number }>('select shard_size as n from private.processor_config')).rows[0]!.n);
    const pids = await Promise.all(stack.gateway.functions!.pids().map(async (candidate) => ({
      candidate, cmdline: await readFile(`/proc/${candidate}/cmdline`, 'utf8').catch(() => '') })));
    const deno = pids.find((entry) => entry.cmdline.includes('queue-processor'))?.candidate;
    if (deno === undefined) throw new Error('the queue-processor Deno process was not found');
    // The postmaster: the parent of a backend, read while that backend's connection is open.
    const postmaster = await withClient(url, async (db) => parentPid((await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid));
    const meters = { deno, postmaster };

    for (const admins of ctx.quick ? [10, 100] : [10, 100, 1000]) {
      for (let run = 1; run <= runs; run += 1) {
        await seed(url, admins, 0);
        const total = admins * ITEMS_PER_ADMIN;
        let sentSoFar = 0;
        for (let n = 1; n <= 3 && sentSoFar < total; n += 1) {
          const figures = await tick(url, stack, meters);
          sentSoFar += sentIn(figures);
          result.rows.push(row(run, admins, 0, n, figures));
          data.push({ kind: 'delay0', run, admins, tick: n, ...figures, shards: figures.ids.length, sent: sentIn(figures) });
          ctx.log(`  ${admins} admins (run ${run}), tick ${n}: ${figures.ids.length} shards, ${sentIn(figures)} sent in ${fmt(figures.wallMs / 1000, 1)} s`);
        }
        result.budgets.push({ label: `${admins} admins × 10 items, delay 0: all sent within 3 ticks (run ${run})`, value: `${sentSoFar} of ${total}`, met: sentSoFar === total });
        await cleanup(url);
      }
    }

    // One shard's invocation alone in a fresh Deno process: the first (cold: the isolate compiles as it goes), then a
    // second shard in the same process (warm), each with nothing else running in the process.
    await seed(url, ctx.quick ? 100 : 1000, 0);
    const shardPairs = await withClient(url, async (db) => (await db.query<{ pairs: unknown[] }>('select pairs from public.processor_shards() order by shard limit $1', [2 * runs])).rows);
    for (let process_ = 0; process_ < runs; process_ += 1) {
      const alone = await startProcessorProcess({ stack, name: `bench-alone-${process_}`, env });
      try {
        for (const [index, phase] of ['cold', 'warm'].entries()) {
          const pairs = shardPairs[2 * process_ + index]!.pairs;
          const pid = alone.child.pid!;
          const rss = rssSampler(pid, 10);
          await new Promise((resolve) => setTimeout(resolve, 200));
          const baseline = rss.peak();
          const cpu0 = await processCpuMs(pid);
          const t0 = performance.now();
          const answer = await runProcessorProcess(alone, stack.serviceRoleKey, { pairs });
          const wallMs = performance.now() - t0;
          rss.stop();
          const cpuMs = (await processCpuMs(pid)) - cpu0;
          const summary = ('body' in answer ? answer.body : null) as Shard | null;
          const sent = summary?.totals.sent ?? 0;
          const label = `one invocation alone, ${phase} (${pairs.length} pairs × 10 items, process ${process_ + 1})`;
          result.budgets.push({ label: `${label}: CPU ≤ 1 s and ≤ 1 ms a send`, value: `${fmt(cpuMs, 0)} ms for ${sent} sends (${fmt(sent ? cpuMs / sent : 0, 2)} ms a send), wall ${fmt(wallMs / 1000, 1)} s, ${summary?.roundTrips ?? '?'} round trips`, met: cpuMs <= 1000 && sent > 0 && cpuMs / sent <= 1 });
          result.budgets.push({ label: `${label}: peak RSS of its Deno process ≤ 128 MB`, value: `${fmt(rss.peak(), 0)} MB (${fmt(baseline, 0)} MB before the request: +${fmt(rss.peak() - baseline, 0)} MB)`, met: rss.peak() <= 128 });
          data.push({ kind: 'alone', phase, process: process_ + 1, pairs: pairs.length, sent, cpuMs, wallMs, baselineRss: baseline, peakRss: rss.peak(), roundTrips: summary?.roundTrips });
          ctx.log(`  alone (${phase}, process ${process_ + 1}): ${sent} sent, ${fmt(cpuMs, 0)} ms CPU, peak RSS ${fmt(rss.peak(), 0)} MB`);
        }
      } finally {
        alone.child.kill('SIGTERM');
      }
    }
    await cleanup(url);

    // The default pace: every admin due with more than two minutes' work; the dispatcher ticks a minute apart whether
    // or not the last tick's invocations have finished (as pg_cron does); sends per admin counted over the two minutes.
    const pacedAdmins = ctx.quick ? 100 : 1000;
    for (let run = 1; run <= runs; run += 1) {
      await seed(url, pacedAdmins, 2000, 80);
      const figures = await pacedTicks(url, stack, meters, 2);
      result.rows.push(row(run, pacedAdmins, 2000, '1-2 (60 s apart)', figures));
      data.push({ kind: 'paced', run, admins: pacedAdmins, ...figures, shards: figures.ids.length, sent: sentIn(figures) });
      const rates = [...figures.perAdmin, ...Array<number>(Math.max(0, pacedAdmins - figures.perAdmin.length)).fill(0)].map((sent) => sent / 2);
      ctx.log(`  ${pacedAdmins} admins at 2 s (run ${run}): ${sentIn(figures)} sent by the invocations, median ${fmt(percentile(rates, 50), 1)} a minute per admin`);
      result.budgets.push({
        label: `${pacedAdmins} admins, delay 2 s (run ${run}): sends per admin per minute ≈ the pace (25; 30 for the whole minute at 2 s)`,
        value: `median ${fmt(percentile(rates, 50), 1)}, min ${fmt(Math.min(...rates), 1)}, max ${fmt(Math.max(...rates), 1)} (sent in the 2 minutes from the first tick); ${figures.perAdmin.filter((sent) => sent > 0).length} of ${pacedAdmins} admins served`,
        met: percentile(rates, 50) >= 24,
      });
      await cleanup(url);
    }
  } finally {
    await stack.stop();
  }
  result.notes.push(
    'Local: one Deno process serves every queue-processor invocation of a tick (hosted Supabase runs each in its own isolate), so "Deno CPU / send" is the process\'s CPU over the tick ÷ the tick\'s sends; the invocation alone is the per-invocation figure. Postgres CPU is the postmaster\'s and its live backends\' (/proc), Node CPU is this process\'s: the gateway with the PostgREST stand-in, the pg_net worker, the Agent DB stand-in and the bench.',
    `Each admin is the only admin of their own client; send budget 1,000,000/h; shard size from private.processor_config (${shardSize}); the function's defaults: 57 s claim window, 100 s budget. "retrying / failed / lost / errors": the invocations' retries scheduled, permanent failures, sends whose outcome was not recorded, and errors they reported; in brackets the items waiting for a retry after the tick by their last error code.`,
  );
  result.data = data;
  return result;
}
