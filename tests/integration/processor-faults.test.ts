import { beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { invoke } from '../support/invoke.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { TEST_AGENT_API_KEY } from '@leads-queue/local-supabase/testing';
import { withStack } from '../support/withStack.ts';

const TIMEOUT_MS = 1000;

const stack = withStack({
  functions: true,
  sink: true,
  env: { AGENT_DB_TIMEOUT_MS: String(TIMEOUT_MS), QUEUE_BATCH_SIZE: '50', WHATSAPP_RATE_LIMIT_PER_HOUR: '100000', QUEUE_PROCESSOR_BUDGET_MS: '20000' },
});

// Always open, so these tests pass at any hour; the window test below narrows it again.
beforeEach(() =>
  stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0, batch_size: 50, daily_target: 1000, max_capacity: 1000, rate_limit_per_hour: 100000 }),
);

interface ItemRow {
  id: string;
  status: string;
  attempts: number;
  error_code: string | null;
  agent_trigger_id: string | null;
  next_attempt_at: Date | null;
  locked_by: string | null;
}

async function item(id: string): Promise<ItemRow> {
  const { rows } = await stack.pool.query<ItemRow>(`select * from public.whatsapp_message_queue where id = $1`, [id]);
  return rows[0]!;
}

async function statuses(ids: string[]): Promise<Record<string, number>> {
  const { rows } = await stack.pool.query<{ status: string; n: number }>(
    `select status::text, count(*)::int as n from public.whatsapp_message_queue where id = any($1) group by 1`,
    [ids],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

async function runProcessor(body: Record<string, unknown> = {}) {
  const result = await invoke<RunSummary>(stack.service, 'queue-processor', body);
  expect(result.status).toBe(200);
  return result.body;
}

const one = () => seedDueItems(stack.pool, { count: 1, userId: DEMO_ADMIN_ID }).then((ids) => ids[0]!);

describe('queue-processor: the fault matrix', () => {
  it('200 {success:true} -> sent with the trigger id; the receiver verifies the signature itself', async () => {
    const id = await one();
    const summary = await runProcessor();
    expect(summary.totals).toMatchObject({ claimed: 1, sent: 1 });
    const [received] = stack.sink!.received;
    expect(received).toMatchObject({ webhookId: id, verified: true, authorized: true, status: 200 });
    expect(received?.headers.authorization).toBe(`Bearer ${TEST_AGENT_API_KEY}`);
    expect(received?.body).toMatchObject({ event: 'lead_batch_ready', leads: [{ queue_item_id: id, template: 'initial_outreach' }], metadata: { triggered_by: 'queue_processor' } });
    expect(await item(id)).toMatchObject({ status: 'sent', agent_trigger_id: received?.triggerId, locked_by: null });
    const settings = await stack.pool.query(`select last_processor_run_at from public.user_queue_settings where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(settings.rows[0].last_processor_run_at).toBeInstanceOf(Date);
  });

  it('a call that arrives after its tick\'s claim window claims nothing (the next tick serves the pair); one on time sends', async () => {
    const id = await one();
    const late = await runProcessor({ dispatchedAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    expect(late.totals).toMatchObject({ claimed: 0, sent: 0 });
    expect(await item(id)).toMatchObject({ status: 'pending' });
    const onTime = await runProcessor({ dispatchedAt: new Date().toISOString() });
    expect(onTime.totals).toMatchObject({ claimed: 1, sent: 1 });
    expect(await item(id)).toMatchObject({ status: 'sent' });
  });

  it('2xx without success -> failed (permanent)', async () => {
    const id = await one();
    stack.sink!.behave({ status: 200, body: { success: false, error: 'template unknown' } });
    await runProcessor();
    expect(await item(id)).toMatchObject({ status: 'failed', error_code: 'agent_rejected', attempts: 1 });
  });

  it('400 -> failed (permanent), no retry', async () => {
    const id = await one();
    stack.sink!.behave({ status: 400 });
    await runProcessor();
    expect(await item(id)).toMatchObject({ status: 'failed', error_code: 'http_400', next_attempt_at: null });
  });

  it('429 with Retry-After -> pending after Retry-After, and the whole client paused', async () => {
    const ids = await seedDueItems(stack.pool, { count: 2, userId: DEMO_ADMIN_ID });
    stack.sink!.behave({ status: 429, retryAfterSeconds: 120 });
    const before = Date.now();
    const summary = await runProcessor();
    expect(summary.totals.retrying).toBe(1);
    expect(stack.sink!.received).toHaveLength(1);
    const triedId = stack.sink!.received[0]!.webhookId!;
    const retried = await item(triedId);
    expect(retried).toMatchObject({ status: 'pending', error_code: 'http_429', attempts: 1 });
    expect(retried.next_attempt_at!.getTime()).toBeGreaterThanOrEqual(before + 119_000);
    // The other claimed item was handed back untouched: no attempt spent, not sent.
    const untouched = ids.find((id) => id !== triedId)!;
    expect(await item(untouched)).toMatchObject({ status: 'pending', attempts: 0, error_code: null });
    const paused = await stack.pool.query<{ until: Date }>(`select sending_paused_until as until from public.clients where id = $1`, [DEMO_CLIENT_ID]);
    expect(paused.rows[0]!.until.getTime()).toBeGreaterThanOrEqual(before + 119_000);
    stack.sink!.reset();
    const next = await runProcessor();
    expect(next.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('client_paused');
    expect(stack.sink!.received).toHaveLength(0);
  });

  it('503 without Retry-After -> pending, client paused for a default minute', async () => {
    const id = await one();
    stack.sink!.behave({ status: 503 });
    const before = Date.now();
    await runProcessor();
    expect(await item(id)).toMatchObject({ status: 'pending', error_code: 'http_503' });
    const paused = await stack.pool.query<{ until: Date }>(`select sending_paused_until as until from public.clients where id = $1`, [DEMO_CLIENT_ID]);
    expect(paused.rows[0]!.until.getTime()).toBeGreaterThanOrEqual(before + 59_000);
  });

  it('500 -> pending with backoff', async () => {
    const id = await one();
    stack.sink!.behave({ status: 500 });
    const before = Date.now();
    await runProcessor();
    const row = await item(id);
    expect(row).toMatchObject({ status: 'pending', error_code: 'http_500', attempts: 1 });
    expect(row.next_attempt_at!.getTime()).toBeGreaterThan(before + 10_000);
  });

  it('500 on the last attempt -> failed', async () => {
    const [id] = await seedDueItems(stack.pool, { count: 1, userId: DEMO_ADMIN_ID, maxAttempts: 1 });
    stack.sink!.behave({ status: 500 });
    await runProcessor();
    expect(await item(id!)).toMatchObject({ status: 'failed', error_code: 'http_500' });
  });

  it('a receiver hanging past the timeout -> pending (timeout)', async () => {
    const id = await one();
    stack.sink!.behave({ hangMs: TIMEOUT_MS * 3 });
    const started = Date.now();
    await runProcessor();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
    expect(await item(id)).toMatchObject({ status: 'pending', error_code: 'timeout' });
  });

  it('a refused connection -> pending (connection_error)', async () => {
    const id = await one();
    await stack.sink!.refuseConnections();
    await runProcessor();
    expect(await item(id)).toMatchObject({ status: 'pending', error_code: 'connection_error' });
  });
});

describe('queue-processor: what stays pending', () => {
  it('items outside the window (Saturday in Israel) stay pending', async () => {
    await stack.pool.query(`update public.user_queue_settings set business_hours = default, holiday_calendar = 'IL' where user_id = $1`, [DEMO_ADMIN_ID]);
    const id = await one();
    const summary = await runProcessor({ now: '2026-01-10T08:00:00Z' }); // Saturday 10:00 Israel
    expect(summary.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('outside_window');
    expect((await item(id)).status).toBe('pending');
    await runProcessor({ now: '2026-01-11T08:00:00Z' }); // Sunday 10:00 Israel
    expect((await item(id)).status).toBe('sent');
  });

  it('reads the window in the admin zone across the spring DST switch (Friday 2025-03-28, Israel)', async () => {
    await stack.pool.query(`update public.user_queue_settings set holiday_calendar = 'IL', business_hours = $2 where user_id = $1`, [
      DEMO_ADMIN_ID,
      { ...ALWAYS_OPEN.business_hours, friday: { enabled: true, start: '09:00', end: '13:00' } },
    ]);
    const id = await one();
    // 05:30Z is 08:30 local after the clocks went forward at 02:00: still closed.
    const early = await runProcessor({ now: '2025-03-28T05:30:00Z' });
    expect(early.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('outside_window');
    expect((await item(id)).status).toBe('pending');
    await runProcessor({ now: '2025-03-28T06:05:00Z' }); // 09:05 local
    expect((await item(id)).status).toBe('sent');
  });

  it('items over the daily capacity stay pending', async () => {
    await stack.pool.query(`update public.user_queue_settings set daily_target = 3, max_capacity = 3 where user_id = $1`, [DEMO_ADMIN_ID]);
    const ids = await seedDueItems(stack.pool, { count: 5, userId: DEMO_ADMIN_ID });
    await runProcessor();
    expect(await statuses(ids)).toEqual({ sent: 3, pending: 2 });
    const again = await runProcessor();
    expect(again.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('capacity_reached');
  });

  it('overlapping runs together stay within the daily capacity', async () => {
    // Each run reads the same room before it claims; the claim itself re-checks the cap under a per-admin lock.
    await stack.pool.query(`update public.user_queue_settings set daily_target = 3, max_capacity = 3, processing_delay_ms = 200 where user_id = $1`, [DEMO_ADMIN_ID]);
    const ids = await seedDueItems(stack.pool, { count: 12, userId: DEMO_ADMIN_ID });
    const runs = await Promise.all([runProcessor(), runProcessor(), runProcessor()]);
    expect(runs.reduce((sum, run) => sum + (run.totals.claimed ?? 0), 0)).toBe(3);
    expect(await statuses(ids)).toEqual({ sent: 3, pending: 9 });
  });

  it('items over the send-token budget stay pending', async () => {
    // 180/hour refills one token every 20 s, with a burst of 3.
    await stack.pool.query(`update public.user_queue_settings set rate_limit_per_hour = 180 where user_id = $1`, [DEMO_ADMIN_ID]);
    const ids = await seedDueItems(stack.pool, { count: 5, userId: DEMO_ADMIN_ID });
    await runProcessor();
    expect(await statuses(ids)).toEqual({ sent: 3, pending: 2 });
    const again = await runProcessor();
    expect(again.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('rate_limited');
  });

  it('takes no send tokens when nothing is due', async () => {
    const summary = await runProcessor();
    expect(summary.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('no_due_items');
    const { rows } = await stack.pool.query(`select count(*)::int as n from private.rate_buckets where bucket = $1`, [`send:${DEMO_CLIENT_ID}`]);
    expect(rows[0].n).toBe(0);
  });

  it('paused admins are skipped', async () => {
    await stack.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = $1`, [DEMO_ADMIN_ID]);
    const id = await one();
    const summary = await runProcessor();
    expect(summary.admins.some((admin) => admin.userId === DEMO_ADMIN_ID)).toBe(false);
    expect((await item(id)).status).toBe('pending');
    expect(stack.sink!.received).toHaveLength(0);
  });
});

describe('queue-processor: pacing and budget', () => {
  it('waits the admin processing delay between items', async () => {
    await stack.pool.query(`update public.user_queue_settings set processing_delay_ms = 300 where user_id = $1`, [DEMO_ADMIN_ID]);
    await seedDueItems(stack.pool, { count: 3, userId: DEMO_ADMIN_ID });
    await runProcessor();
    const times = stack.sink!.received.map((received) => Date.parse(received.receivedAt));
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(280);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(280);
  });

  it('sends in priority order: immediate, high, normal, low', async () => {
    const order = ['low', 'immediate', 'normal', 'high'];
    const byPriority = new Map<string, string>();
    for (const priority of order) {
      const [id] = await seedDueItems(stack.pool, { count: 1, userId: DEMO_ADMIN_ID, priority });
      byPriority.set(id!, priority);
    }
    await runProcessor();
    expect(stack.sink!.received.map((received) => byPriority.get(received.webhookId!))).toEqual(['immediate', 'high', 'normal', 'low']);
  });

  it('claims nothing when the wall-clock budget has no room for one item', async () => {
    const id = await one();
    // 1 s budget, 1 s request timeout: no item fits, so none is claimed (none left holding a lease).
    const summary = await runProcessor({ budgetMs: 1000 });
    expect(summary.admins.find((admin) => admin.userId === DEMO_ADMIN_ID)?.skipped).toBe('budget_exhausted');
    expect(await item(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

describe('queue-processor: callers', () => {
  it('refuses a signed-in admin (403) and accepts the service role', async () => {
    const admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
    const refused = await invoke(admin, 'queue-processor', {});
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('forbidden');
    await runProcessor({ trigger: 'cron' });
  });
});
