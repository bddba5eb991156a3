import { beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { invoke } from '../support/invoke.ts';
import { runProcessorProcess, startProcessorProcess } from '../support/processorProcess.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * The processor's fan-out on the whole local path: the cron stand-in runs the dispatcher's SQL, the dispatcher queues
 * one pg_net request per shard, the pg_net stand-in's worker POSTs each to queue-processor (real Deno), which sends to
 * the Agent DB stand-in. And the pacing that holds when invocations overlap.
 */

const DELAY_MS = 700;
const TIMEOUT_MS = 1000;

/** The database requests the gateway served (PostgREST RPCs), as its request log lines. */
const rpcRequests: string[] = [];

const stack = withStack({
  logRequests: true,
  log: (line) => {
    if (line.startsWith('[gateway] POST /rest/v1/rpc/')) rpcRequests.push(line);
  },
  functions: true,
  sink: true,
  pgNet: true,
  cronSql: { sql: 'select public.dispatch_queue_processor()', intervalMs: 0 },
  env: { AGENT_DB_TIMEOUT_MS: String(TIMEOUT_MS), WHATSAPP_RATE_LIMIT_PER_HOUR: '100000', QUEUE_PROCESSOR_BUDGET_MS: '20000' },
});

beforeEach(async () => {
  await stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0, daily_target: 1000, max_capacity: 1000 });
  await stack.pool.query(`delete from private.pair_pacing`);
  await stack.pool.query(`delete from net._http_response`);
});

const process = (body: Record<string, unknown>) => invoke<RunSummary>(stack.service, 'queue-processor', body);

describe('the dispatcher on the stack', () => {
  it('cron stand-in -> dispatcher SQL -> pg_net stand-in -> queue-processor shards -> Agent DB stand-in: every item sent, each pair by one shard', async () => {
    const admins = await createRunningAdmins(stack.pool, 30, DEMO_CLIENT_ID, 'e2e');
    await stack.pool.query(`update public.user_queue_settings set processing_delay_ms = 0 where user_id = any($1)`, [admins]);
    const ids = (await Promise.all(admins.map((userId) => seedDueItems(stack.pool, { count: 3, userId })))).flat();
    await stack.pool.query(`update private.processor_config set shard_size = 8`);
    try {
      rpcRequests.length = 0;
      await stack.sqlCron!.tick();
      const run = stack.sqlCron!.runs.at(-1)!;
      expect(run.error).toBeNull();
      expect(run.result).toHaveLength(4);
      await stack.pgNet!.idle();

      const { rows: responses } = await stack.pool.query<{ status_code: number; content: string }>(
        `select status_code, content from net._http_response where id = any($1::bigint[]) order by id`, [run.result]);
      expect(responses.map((response) => response.status_code)).toEqual([200, 200, 200, 200]);
      const summaries = responses.map((response) => JSON.parse(response.content) as RunSummary);
      expect(summaries.map((summary) => summary.admins.length)).toEqual([8, 8, 8, 6]);
      const served = summaries.flatMap((summary) => summary.admins.map((admin) => admin.userId));
      expect(served.sort()).toEqual([...admins].sort());
      expect(summaries.reduce((sum, summary) => sum + summary.totals.sent, 0)).toBe(90);
      // Counted at the gateway: every database request of the shards is one the invocations counted, and there are at
      // most two per send (the lease, the steps that settle and claim for many pairs at once, the release).
      const counted = summaries.reduce((sum, summary) => sum + summary.roundTrips, 0);
      expect(rpcRequests).toHaveLength(counted);
      expect(rpcRequests.filter((line) => line.includes('/rpc/processor_step ')).length).toBe(counted - 8);
      for (const summary of summaries) expect(summary.roundTrips).toBeLessThanOrEqual(2 * summary.totals.sent);

      const { rows } = await stack.pool.query<{ n: number }>(`select count(*)::int as n from public.whatsapp_message_queue where id = any($1) and status = 'sent'`, [ids]);
      expect(rows[0]!.n).toBe(90);
      expect(new Set(stack.sink!.received.map((received) => received.webhookId))).toEqual(new Set(ids));
      expect(stack.sink!.counts()).toEqual({ messages: 90, duplicates: 0 });

      // Nothing left to do: the next tick dispatches nothing.
      await stack.sqlCron!.tick();
      expect(stack.sqlCron!.runs.at(-1)!.result).toEqual([]);
    } finally {
      await stack.pool.query(`update private.processor_config set shard_size = default`);
      await stack.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = any($1)`, [admins]);
    }
  });
});

describe('pacing across invocations', () => {
  it('a pair keeps its pace for the whole claim window, and the next tick\'s invocation takes it over without a gap or an overlap', async () => {
    // The production ratio scaled down: a 2 s claim window (57 s) for ticks 2.3 s apart (60 s), 250 ms between sends (2 s).
    const windowMs = 2000;
    const delayMs = 250;
    const alone = await startProcessorProcess({ stack, name: 'windowed',
      env: { AGENT_DB_TIMEOUT_MS: String(TIMEOUT_MS), WHATSAPP_RATE_LIMIT_PER_HOUR: '100000', QUEUE_PROCESSOR_BUDGET_MS: '20000',
             QUEUE_PROCESSOR_CLAIM_WINDOW_MS: String(windowMs) } });
    try {
      await stack.pool.query(`update public.user_queue_settings set processing_delay_ms = $2 where user_id = $1`, [DEMO_ADMIN_ID, delayMs]);
      const ids = await seedDueItems(stack.pool, { count: 40, userId: DEMO_ADMIN_ID });
      const shard = { pairs: [{ user_id: DEMO_ADMIN_ID, client_id: DEMO_CLIENT_ID }] };
      const first = runProcessorProcess(alone, stack.serviceRoleKey, shard);
      await new Promise((resolve) => setTimeout(resolve, windowMs + 300));
      const answers = await Promise.all([first, runProcessorProcess(alone, stack.serviceRoleKey, shard)]);
      const sent = answers.map((answer) => ('body' in answer ? (answer.body as RunSummary).totals.sent : 0));

      const { rows } = await stack.pool.query<{ at: Date; worker: string }>(
        `select created_at as at, details->>'worker' as worker from public.queue_audit_log
          where action = 'started' and queue_item_id = any($1) order by created_at`, [ids]);
      const gaps = rows.slice(1).map((row, index) => row.at.getTime() - rows[index]!.at.getTime());
      const workers = [...new Set(rows.map((row) => row.worker))];
      expect(workers).toHaveLength(2);
      expect(sent.every((count) => count >= 4)).toBe(true);
      // Each invocation claims for its whole window (up to 9 sends; fewer when the machine is slow), not a part of it.
      for (const worker of workers) {
        const times = rows.filter((row) => row.worker === worker).map((row) => row.at.getTime());
        expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(windowMs - 2 * delayMs - 300);
      }
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(delayMs);
      // The handover: the second invocation's first claim follows the first's last by about the tick's remainder.
      expect(Math.max(...gaps)).toBeLessThan(delayMs + 1000);
    } finally {
      alone.child.kill('SIGTERM');
    }
  });

  it('at a processing delay, a send settles in the statement that takes the pair\'s next item (one queue statement a step, not two)', async () => {
    await stack.pool.query(`update public.user_queue_settings set processing_delay_ms = $2 where user_id = $1`, [DEMO_ADMIN_ID, DELAY_MS]);
    const ids = await seedDueItems(stack.pool, { count: 3, userId: DEMO_ADMIN_ID });
    const answer = await process({ pairs: [{ user_id: DEMO_ADMIN_ID, client_id: DEMO_CLIENT_ID }] });
    expect(answer.body.totals).toMatchObject({ claimed: 3, sent: 3 });
    const { rows } = await stack.pool.query<{ id: string; action: string; at: Date }>(
      `select queue_item_id as id, action, created_at as at from public.queue_audit_log
        where action in ('started', 'sent') and queue_item_id = any($1) order by created_at, action desc`, [ids]);
    const started = rows.filter((row) => row.action === 'started');
    const sent = rows.filter((row) => row.action === 'sent');
    expect(started).toHaveLength(3);
    expect(sent).toHaveLength(3);
    // The audit rows of one statement share its transaction's time: send k settled with the claim of send k + 1.
    for (const k of [0, 1]) expect(sent.find((row) => row.id === started[k]!.id)!.at.getTime()).toBe(started[k + 1]!.at.getTime());
    // The pace still holds between the claims.
    for (const k of [1, 2]) expect(started[k]!.at.getTime() - started[k - 1]!.at.getTime()).toBeGreaterThanOrEqual(DELAY_MS);
  });

  it('overlapping invocations (cron, an immediate trigger, runs cut by their budget) never send two items of one admin closer than its delay', async () => {
    await stack.pool.query(`update public.user_queue_settings set processing_delay_ms = $2 where user_id = $1`, [DEMO_ADMIN_ID, DELAY_MS]);
    // When each claim took its item, by the database's clock (this file's database only).
    await stack.pool.query(`
      create table if not exists public.test_claim_times (id uuid, at timestamptz not null default clock_timestamp());
      create or replace function public.test_note_claim() returns trigger language plpgsql as $$
      begin insert into public.test_claim_times (id) values (new.id); return null; end $$;
      drop trigger if exists test_note_claim on public.whatsapp_message_queue;
      create trigger test_note_claim after update on public.whatsapp_message_queue for each row
        when (new.status = 'processing' and old.status is distinct from 'processing') execute function public.test_note_claim();`);
    const ids = await seedDueItems(stack.pool, { count: 5, userId: DEMO_ADMIN_ID });
    // A 2.5 s budget fits three sends 700 ms apart; each run then releases the pair with its next turn still ahead.
    const runs: Promise<unknown>[] = [process({ budgetMs: 2500 }), process({ userId: DEMO_ADMIN_ID, budgetMs: 2500 })];
    const until = Date.now() + 20_000;
    for (;;) {
      const { rows } = await stack.pool.query<{ n: number }>(`select count(*)::int as n from public.whatsapp_message_queue where id = any($1) and status = 'sent'`, [ids]);
      if (rows[0]!.n === ids.length || Date.now() > until) break;
      runs.push(process({ budgetMs: 2500 }), process({ userId: DEMO_ADMIN_ID, budgetMs: 2500 }));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await Promise.all(runs);

    const { rows: claims } = await stack.pool.query<{ at: Date }>(`select at from public.test_claim_times where id = any($1) order by at`, [ids]);
    await stack.pool.query(`drop trigger test_note_claim on public.whatsapp_message_queue; drop table public.test_claim_times`);
    expect(claims).toHaveLength(5);
    // The rule holds exactly where it is decided: between two claims of the admin, at least the delay.
    for (let index = 1; index < claims.length; index += 1) {
      expect(claims[index]!.at.getTime() - claims[index - 1]!.at.getTime()).toBeGreaterThanOrEqual(DELAY_MS);
    }
    // At the Agent DB each message also carries its own POST's latency, which varies by tens of ms on a busy machine.
    const times = stack.sink!.received.map((received) => Date.parse(received.receivedAt)).sort((a, b) => a - b);
    expect(times).toHaveLength(5);
    for (let index = 1; index < times.length; index += 1) expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(DELAY_MS - 50);
    // More than one invocation sent them: the delay held across runs, not inside one.
    const { rows: workers } = await stack.pool.query<{ worker: string }>(
      `select distinct details->>'worker' as worker from public.queue_audit_log where action = 'started' and queue_item_id = any($1)`, [ids]);
    expect(workers.length).toBeGreaterThan(1);
  });
});
