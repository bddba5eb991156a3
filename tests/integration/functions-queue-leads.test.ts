import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invoke } from '../support/invoke.ts';
import { futureDate, isOpenDay, isSaturday, isWeekdayHoliday, israelTime, israelWeekdayAndTime } from '../support/israelDates.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

// The per-admin operation limit enqueue_leads keeps (private.queue_limits, 600 by default).
const OPS_PER_HOUR = 600;

const stack = withStack({
  functions: true,
  sink: true,
  env: { AGENT_DB_TIMEOUT_MS: '3000' },
});
let admin: SupabaseClient;
let demoLeads: string[];
let otherLeads: string[];

beforeAll(async () => {
  admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
  const leads = await stack.pool.query<{ id: string; client_id: string }>(
    // Leads the seed contacted within the default 30-day cool-down would be skipped: only the cool-down test uses those.
    `select id, client_id from public.leads
      where opted_out_at is null and (last_contacted_at is null or last_contacted_at < now() - interval '30 days') order by phone`,
  );
  demoLeads = leads.rows.filter((row) => row.client_id === DEMO_CLIENT_ID).map((row) => row.id);
  otherLeads = leads.rows.filter((row) => row.client_id === OTHER_CLIENT_ID).map((row) => row.id);
});

// Each test starts with an empty queue, fresh rate buckets and the seed's settings.
beforeEach(() => stack.reset());

const openDay = () => futureDate(isOpenDay);
const queueAt = (date: string, time = '10:00') => israelTime(date, time).toISOString();

async function rejections(): Promise<Array<{ code: string; status: number }>> {
  const { rows } = await stack.pool.query<{ code: string; status: number }>(
    `select details->>'code' as code, (details->>'status')::int as status from public.queue_audit_log
      where action = 'queue_rejected' and user_id = $1 order by id`,
    [DEMO_ADMIN_ID],
  );
  return rows;
}

describe('queue-leads: success', () => {
  it('queues leads inside the window and answers {queued, queueIds, skipped, warning}', async () => {
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 2), priority: 'high', scheduledFor: queueAt(openDay()) });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ queued: 2, skipped: { duplicates: 0, optedOut: 0, unknown: 0 }, warning: null });
    const ids = result.body.queueIds as string[];
    const { rows } = await stack.pool.query(`select status, priority, user_id from public.whatsapp_message_queue where id = any($1)`, [ids]);
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.status === 'pending' && row.priority === 'high' && row.user_id === DEMO_ADMIN_ID)).toBe(true);
  });

  it('warns past the daily target (46/45) and reports duplicates', async () => {
    const day = openDay();
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 46), scheduledFor: queueAt(day) });
    expect(result.status).toBe(200);
    expect(result.body.warning).toBe('Exceeding daily target (46/45)');
    const again = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(day) });
    expect(again.body).toMatchObject({ queued: 0, skipped: { duplicates: 1 } });
  });

  it('skips and counts leads contacted within the cool-down; includeRecentlyContacted queues them; a template needs its variables', async () => {
    const leads = demoLeads.slice(0, 3);
    await stack.pool.query(`update public.leads set last_contacted_at = now() - interval '2 days' where id = any($1)`, [leads.slice(0, 2)]);
    try {
      const at = queueAt(openDay());
      const skipped = await invoke(admin, 'queue-leads', { leadIds: leads, scheduledFor: at });
      expect(skipped.body).toMatchObject({ queued: 1, skipped: { recentlyContacted: 2, duplicates: 0 }, cooldownDays: 30 });
      const missing = await invoke(admin, 'queue-leads', { leadIds: leads, scheduledFor: at, template: 'event_invite', includeRecentlyContacted: true });
      expect(missing).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message: 'Template "event_invite" needs these variables: event_name, event_date' } } });
      const included = await invoke(admin, 'queue-leads', {
        leadIds: leads, scheduledFor: at, includeRecentlyContacted: true, template: 'event_invite', variables: { event_name: 'Open day', event_date: '10.1' },
      });
      expect(included.body).toMatchObject({ queued: 2, skipped: { recentlyContacted: 0, duplicates: 1 } });
    } finally {
      await stack.pool.query('update public.leads set last_contacted_at = null where id = any($1)', [leads]);
    }
  });

  it('deferToNextWindow schedules a Saturday request for Sunday 09:00', async () => {
    const saturday = futureDate(isSaturday);
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(saturday), deferToNextWindow: true });
    expect(result.status).toBe(200);
    expect(israelWeekdayAndTime(result.body.scheduledFor as string)).toBe('Sunday 09:00');
  });

  it('immediate items start processing at once', async () => {
    await stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0 });
    // The last lead: once sent it is in the cool-down, and the other tests queue the first ones.
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(-1), priority: 'immediate' });
    expect(result.status).toBe(200);
    const [received] = await stack.sink!.waitFor(1, 20_000);
    expect(received?.webhookId).toBe((result.body.queueIds as string[])[0]);
    expect(received?.verified).toBe(true);
    await expect
      .poll(async () => (await stack.pool.query(`select status from public.whatsapp_message_queue where id = $1`, [received?.webhookId])).rows[0]?.status, {
        timeout: 10_000,
      })
      .toBe('sent');
  });
});

describe('queue-leads: refusals (status, code, audit)', () => {
  it('422 business_closed on Saturday, with the next window', async () => {
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(futureDate(isSaturday)) });
    expect(result.status).toBe(422);
    expect(result.body.error).toMatchObject({ code: 'business_closed', message: 'Cannot schedule for saturday - business closed' });
    expect(israelWeekdayAndTime((result.body.error?.nextWindow as { start: string }).start)).toBe('Sunday 09:00');
  });

  it('422 outside_business_hours in the evening', async () => {
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(openDay(), '20:00') });
    expect(result.status).toBe(422);
    expect(result.body.error).toMatchObject({ code: 'outside_business_hours', message: 'Outside business hours (09:00-17:00 IST)' });
    expect(result.body.error?.nextWindow).toBeTruthy();
  });

  it('422 holiday on a yom tov', async () => {
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(futureDate(isWeekdayHoliday)) });
    expect(result.status).toBe(422);
    expect(result.body.error?.code).toBe('holiday');
    expect(result.body.error?.message).toMatch(/^Cannot schedule on holidays \(.+\)$/);
  });

  it('422 capacity_exceeded past max capacity (nothing queued)', async () => {
    await stack.pool.query(`update public.user_queue_settings set daily_target = 3, max_capacity = 3 where user_id = $1`, [DEMO_ADMIN_ID]);
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 4), scheduledFor: queueAt(openDay()) });
    expect(result.status).toBe(422);
    expect(result.body.error).toMatchObject({ code: 'capacity_exceeded', message: 'Daily capacity exceeded (4/3)' });
    expect((await stack.pool.query(`select count(*)::int as n from public.whatsapp_message_queue`)).rows[0].n).toBe(0);
  });

  it('429 rate_limited with Retry-After once the bucket is empty', async () => {
    await stack.pool.query(`insert into private.rate_buckets (bucket, tokens, updated_at) values ($1, 0, now())`, [`queue:${DEMO_ADMIN_ID}`]);
    const result = await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(openDay()) });
    expect(result.status).toBe(429);
    expect(result.body.error?.code).toBe('rate_limited');
    expect(result.headers.get('retry-after')).toBe(String(3600 / OPS_PER_HOUR));
  });

  it('403 forbidden for a manager', async () => {
    const manager = await stack.signIn(USERS.demoManager.email, PASSWORD);
    const result = await invoke(manager, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(openDay()) });
    expect(result.status).toBe(403);
    expect(result.body.error?.code).toBe('forbidden');
  });

  it("403 forbidden for another client's leads, which stay unqueued", async () => {
    const result = await invoke(admin, 'queue-leads', { leadIds: otherLeads.slice(0, 3), scheduledFor: queueAt(openDay()) });
    expect(result.status).toBe(403);
    expect(result.body.error?.code).toBe('forbidden');
    const mixed = await invoke(admin, 'queue-leads', { leadIds: [demoLeads[0], otherLeads[0]], scheduledFor: queueAt(openDay()) });
    expect(mixed.body).toMatchObject({ queued: 1, skipped: { unknown: 1 } });
    const { rows } = await stack.pool.query(`select count(*)::int as n from public.whatsapp_message_queue where client_id = $1`, [OTHER_CLIENT_ID]);
    expect(rows[0].n).toBe(0);
  });

  it('401 without a signed-in user (anon key only), and from the gateway for a forged token', async () => {
    const anon = await invoke(stack.client(), 'queue-leads', { leadIds: demoLeads.slice(0, 1) });
    expect(anon.status).toBe(401);
    expect(anon.body.error?.code).toBe('unauthorized');
    const forged = await invoke(stack.client(), 'queue-leads', { leadIds: demoLeads.slice(0, 1) }, { Authorization: 'Bearer not.a.jwt' });
    expect(forged.status).toBe(401);
  });

  it.each([
    ['no leads', { leadIds: [] }],
    ['1001 leads', { leadIds: Array.from({ length: 1001 }, (_, n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`) }],
    ['a malformed id', { leadIds: ['not-a-uuid'] }],
    ['an unknown priority', { leadIds: ['00000000-0000-4000-8000-000000000001'], priority: 'urgent' }],
    ['a non-ISO time', { leadIds: ['00000000-0000-4000-8000-000000000001'], scheduledFor: 'tomorrow' }],
    ['a 101-character template', { leadIds: ['00000000-0000-4000-8000-000000000001'], template: 'x'.repeat(101) }],
    ['9 KB of variables', { leadIds: ['00000000-0000-4000-8000-000000000001'], variables: { blob: 'x'.repeat(9000) } }],
    ['an unknown field', { leadIds: ['00000000-0000-4000-8000-000000000001'], sneaky: true }],
  ])('400 invalid_input for %s', async (_name, body) => {
    const result = await invoke(admin, 'queue-leads', body);
    expect(result.status).toBe(400);
    expect(result.body.error?.code).toBe('invalid_input');
  });

  it('400 invalid_input for a body that is not JSON', async () => {
    const result = await invoke(admin, 'queue-leads', '{"leadIds": [', { 'Content-Type': 'application/json' });
    expect(result.status).toBe(400);
    expect(result.body.error?.code).toBe('invalid_input');
  });

  it('writes every refusal to the audit log', async () => {
    await invoke(admin, 'queue-leads', { leadIds: demoLeads.slice(0, 1), scheduledFor: queueAt(futureDate(isSaturday)) });
    await invoke(admin, 'queue-leads', { leadIds: ['bad'] });
    const logged = await rejections();
    expect(logged).toEqual(expect.arrayContaining([
      { code: 'business_closed', status: 422 },
      { code: 'invalid_input', status: 400 },
      { code: 'outside_business_hours', status: 422 },
      { code: 'holiday', status: 422 },
      { code: 'capacity_exceeded', status: 422 },
      { code: 'rate_limited', status: 429 },
      { code: 'forbidden', status: 403 },
    ]));
  });
});
