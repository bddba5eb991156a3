/**
 * Suite 7: the processor's fan-out through the whole local path: the dispatcher's SQL (as pg_cron runs it) queues one
 * pg_net request per shard, the pg_net stand-in POSTs them to queue-processor (real Deno), which sends to the Agent DB
 * stand-in. N running admins, each with their own client and 10 due items. Measured from outside the function: the
 * Deno process's CPU (/proc/<pid>/stat) and peak RSS (sampled), wall per tick and per invocation (pg_net's answers),
 * sends, and the round trips each invocation reports.
 */
import { readFile } from 'node:fs/promises';
import { databaseUrl, recreateDatabase, resetDatabase } from '@leads-queue/local-supabase';
import { emptyResult, fmt, withClient, type BenchContext, type SuiteResult } from '../lib.ts';

const ITEMS_PER_ADMIN = 10;
const CLOCK_TICKS = 100;

interface Shard {
  totals: { sent: number };
  admins: unknown[];
  roundTrips: number;
  startedAt: string;
  finishedAt: string;
}

async function processCpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

async function processRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** N admins, each the only admin of their own client, running, open all week, with 10 due items; delay as given. */
async function seed(url: string, admins: number, delayMs: number): Promise<void> {
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
      [ITEMS_PER_ADMIN],
    );
    await db.query('vacuum analyze');
  });
}

async function cleanup(url: string): Promise<void> {
  await withClient(url, async (db) => {
    await db.query(`delete from public.clients where name like 'Bench client %'`);
    await db.query(`delete from auth.users where email like 'bench-%'`);
    await db.query(`delete from private.rate_buckets`);
    await db.query(`delete from net._http_response`);
  });
}

export async function processorSuite(ctx: BenchContext): Promise<SuiteResult> {
  const url = databaseUrl(ctx.serverUrl, 'bench_processor');
  await recreateDatabase(ctx.serverUrl, 'bench_processor');
  await resetDatabase(url);
  const { startTestStack } = await import('@leads-queue/local-supabase/testing');
  const stack = await startTestStack({
    databaseUrl: url, functions: true, eagerFunctions: true, sink: true, pgNet: true,
    env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '1000000', QUEUE_PROCESSOR_BUDGET_MS: '50000' },
  });
  const result = emptyResult('7. Processor fan-out (dispatcher -> pg_net -> queue-processor shards -> Agent DB stand-in)', [
    'admins', 'delay', 'tick', 'shards', 'sent', 'tick wall s', 'max invocation wall s', 'Deno CPU s', 'CPU / invocation ms (mean)', 'CPU / send ms', 'peak RSS MB', 'round trips / send',
  ]);
  const data: unknown[] = [];
  try {
    const pids = await Promise.all(stack.gateway.functions!.pids().map(async (candidate) => ({
      candidate, cmdline: await readFile(`/proc/${candidate}/cmdline`, 'utf8').catch(() => '') })));
    const pid = pids.find((entry) => entry.cmdline.includes('queue-processor'))?.candidate;
    if (pid === undefined) throw new Error('the queue-processor Deno process was not found');
    const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
    for (const admins of sizes) {
      await seed(url, admins, 0);
      const total = admins * ITEMS_PER_ADMIN;
      let sentSoFar = 0;
      for (let tick = 1; tick <= 3 && sentSoFar < total; tick += 1) {
        let peakRss = await processRssMb(pid);
        const sampler = setInterval(() => void processRssMb(pid).then((mb) => (peakRss = Math.max(peakRss, mb)), () => {}), 50);
        const cpuBefore = await processCpuMs(pid);
        const t0 = performance.now();
        const ids = await withClient(url, async (db) => (await db.query<{ ids: string[] }>('select public.dispatch_queue_processor() as ids')).rows[0]!.ids);
        await stack.pgNet!.idle();
        const wallMs = performance.now() - t0;
        clearInterval(sampler);
        const cpuMs = (await processCpuMs(pid)) - cpuBefore;
        const shards = await withClient(url, async (db) =>
          (await db.query<{ content: string }>('select content from net._http_response where id = any($1::bigint[])', [ids])).rows.map((row) => JSON.parse(row.content) as Shard));
        const sent = shards.reduce((sum, shard) => sum + shard.totals.sent, 0);
        const trips = shards.reduce((sum, shard) => sum + shard.roundTrips, 0);
        const maxWall = Math.max(0, ...shards.map((shard) => Date.parse(shard.finishedAt) - Date.parse(shard.startedAt)));
        sentSoFar += sent;
        result.rows.push([admins, 0, tick, ids.length, sent, fmt(wallMs / 1000, 1), fmt(maxWall / 1000, 1), fmt(cpuMs / 1000, 2),
          fmt(ids.length ? cpuMs / ids.length : 0, 0), fmt(sent ? cpuMs / sent : 0, 2), fmt(peakRss, 0), fmt(sent ? trips / sent : 0, 2)]);
        data.push({ admins, tick, shards: ids.length, sent, wallMs, maxWall, cpuMs, peakRss, trips });
        ctx.log(`  ${admins} admins, tick ${tick}: ${ids.length} shards, ${sent} sent in ${fmt(wallMs / 1000, 1)} s, Deno CPU ${fmt(cpuMs, 0)} ms`);
      }
      result.budgets.push({ label: `${admins} admins × 10 items, delay 0: all sent within 3 ticks`, value: `${sentSoFar} of ${total}`, met: sentSoFar === total });
      await cleanup(url);
    }
  } finally {
    await stack.stop();
  }
  result.notes.push(
    'Local: one Deno process serves every queue-processor invocation (hosted Supabase runs each in its own isolate), so CPU is the process\'s over the tick; "CPU / invocation" is that divided by the shards of the tick (a mean), and peak RSS is the whole process\'s (an upper bound for one invocation).',
    'Each admin is the only admin of their own client; send budget 1,000,000/h; shard size from private.processor_config (10).',
  );
  result.data = data;
  return result;
}
