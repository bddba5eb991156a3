import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invoke } from '../support/invoke.ts';
import { futureDate, isOpenDay, isSaturday, isWeekdayHoliday, israelTime } from '../support/israelDates.ts';
import { createLeads } from '../support/queueItems.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * One entrance: a user cannot insert queue rows, and POST /rest/v1/rpc/enqueue_leads answers exactly as queue-leads
 * does (status, code, message, next window), whichever rule refuses.
 */

const stack = withStack({ functions: true });
let admin: SupabaseClient;
let leads: string[];

beforeAll(async () => {
  admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
  leads = await createLeads(stack.pool, 20, DEMO_CLIENT_ID, 'entrance');
});
beforeEach(async () => {
  await stack.reset();
  // Each test counts the refusals it causes (the superuser may delete from the append-only log; nobody else can).
  await stack.pool.query(`delete from public.queue_audit_log where action = 'queue_rejected'`);
});

const at = (date: string, time = '10:00') => israelTime(date, time).toISOString();

interface Answer {
  status: number;
  code: string | undefined;
  message: string | undefined;
  nextWindow?: unknown;
}

/** The same request two ways: the RPC a script would call, and queue-leads as the SPA calls it. */
async function bothWays(leadIds: string[], scheduledFor?: string): Promise<{ rpc: Answer; fn: Answer }> {
  const direct = await admin.rpc('enqueue_leads', { lead_ids: leadIds, ...(scheduledFor ? { scheduled_for: scheduledFor } : {}) });
  const error = direct.error as unknown as { code?: string; message?: string; nextWindow?: unknown } | null;
  await stack.pool.query('delete from private.rate_buckets');
  const viaFunction = await invoke(admin, 'queue-leads', { leadIds, ...(scheduledFor ? { scheduledFor } : {}) });
  return {
    rpc: { status: direct.status, code: error?.code, message: error?.message, ...(error && 'nextWindow' in error ? { nextWindow: error.nextWindow } : {}) },
    fn: {
      status: viaFunction.status,
      code: viaFunction.body.error?.code,
      message: viaFunction.body.error?.message,
      ...(viaFunction.body.error && 'nextWindow' in viaFunction.body.error ? { nextWindow: viaFunction.body.error.nextWindow } : {}),
    },
  };
}

describe('one entrance for new queue items', () => {
  it('refuses a direct insert into the queue (42501, 403)', async () => {
    const { status, error } = await admin.from('whatsapp_message_queue').insert({ lead_id: leads[0], client_id: DEMO_CLIENT_ID, user_id: DEMO_ADMIN_ID });
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
    expect((await stack.pool.query('select count(*)::int as n from public.whatsapp_message_queue')).rows[0].n).toBe(0);
  });

  it('a direct enqueue_leads on Saturday is refused with business_closed, as queue-leads refuses it', async () => {
    const { rpc, fn } = await bothWays(leads.slice(0, 1), at(futureDate(isSaturday)));
    expect(rpc).toMatchObject({ status: 422, code: 'business_closed', message: 'Cannot schedule for saturday - business closed' });
    expect(rpc).toEqual(fn);
    expect(rpc.nextWindow).toEqual(fn.nextWindow);
    expect(rpc.nextWindow).toMatchObject({ start: expect.any(String), end: expect.any(String) });
  });

  it('outside hours, on a holiday and past the bounds (2000, or more than a year ahead) the answers are the same', async () => {
    const farYear = Math.max(2030, new Date().getUTCFullYear() + 2);
    const cases: Array<[string, string, number, string]> = [
      [at(futureDate(isOpenDay), '20:00'), 'outside_business_hours', 422, 'Outside business hours (09:00-17:00 IST)'],
      [at(futureDate(isWeekdayHoliday)), 'holiday', 422, ''],
      ['2000-01-03T08:00:00Z', 'invalid_input', 400, 'scheduled_for must not be in the past'],
      [`${farYear}-01-08T08:00:00Z`, 'invalid_input', 400, 'scheduled_for must be at most one year ahead'],
    ];
    for (const [when, code, status, message] of cases) {
      const { rpc, fn } = await bothWays(leads.slice(0, 1), when);
      expect(rpc, when).toMatchObject({ status, code });
      if (message) expect(rpc.message).toBe(message);
      expect(rpc, when).toEqual(fn);
    }
    expect((await stack.pool.query('select count(*)::int as n from public.whatsapp_message_queue')).rows[0].n).toBe(0);
  });

  it('over capacity and over 1,000 leads the answers are the same', async () => {
    await stack.pool.query('update public.user_queue_settings set daily_target = 1, max_capacity = 1 where user_id = $1', [DEMO_ADMIN_ID]);
    const capacity = await bothWays(leads.slice(0, 2), at(futureDate(isOpenDay)));
    expect(capacity.rpc).toMatchObject({ status: 422, code: 'capacity_exceeded', message: 'Daily capacity exceeded (2/1)' });
    expect(capacity.rpc).toEqual(capacity.fn);
    const tooMany = await admin.rpc('enqueue_leads', { lead_ids: Array.from({ length: 1001 }, () => leads[0]!) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.error).toMatchObject({ code: 'invalid_input', message: 'At most 1000 leads per call (got 1001)' });
  });

  it('over the operation limit the RPC answers 429 with Retry-After, as queue-leads does', async () => {
    await stack.pool.query(`insert into private.rate_buckets (bucket, tokens, updated_at) values ($1, 0, now())`, [`queue:${DEMO_ADMIN_ID}`]);
    const direct = await fetch(`${stack.url}/rest/v1/rpc/enqueue_leads`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, Authorization: `Bearer ${(await admin.auth.getSession()).data.session!.access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ lead_ids: leads.slice(0, 1), scheduled_for: at(futureDate(isOpenDay)) }),
    });
    expect(direct.status).toBe(429);
    expect(direct.headers.get('retry-after')).toBe('6');
    expect(await direct.json()).toMatchObject({ code: 'rate_limited', message: 'Rate limit exceeded. Try again in 6s', retryAfter: 6 });
    const viaFunction = await invoke(admin, 'queue-leads', { leadIds: leads.slice(0, 1), scheduledFor: at(futureDate(isOpenDay)) });
    expect(viaFunction.status).toBe(429);
    expect(viaFunction.headers.get('retry-after')).toBe('6');
    expect(viaFunction.body.error).toMatchObject({ code: 'rate_limited', message: 'Rate limit exceeded. Try again in 6s' });
  });

  it('a loop of bad requests is limited before it is logged: the audit log grows by the bucket, not by the loop', async () => {
    const before = (await stack.pool.query<{ id: string }>('select coalesce(max(id), 0) as id from public.queue_audit_log')).rows[0]!.id;
    const answers: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 30; i += 1) answers.push((await invoke(admin, 'queue-leads', { leadIds: ['not-a-uuid'] })).status);
    for (let i = 0; i < 10; i += 1) answers.push((await admin.rpc('enqueue_leads', { lead_ids: [] })).status);
    // 600 an hour is a burst of 10 and one more every 6 s (a slow machine may see a refill during the loop): that many
    // refusals for their input, then rate_limited, logged once a minute.
    const refills = Math.floor((Date.now() - started) / 6000);
    const refused = answers.filter((status) => status === 400).length;
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(refused).toBeLessThanOrEqual(10 + refills);
    expect(answers.filter((status) => status === 429)).toHaveLength(40 - refused);
    const { rows } = await stack.pool.query<{ code: string; n: number }>(
      `select details->>'code' as code, count(*)::int as n from public.queue_audit_log where id > $1 and action = 'queue_rejected' group by 1 order by 1`,
      [before],
    );
    expect(rows).toEqual([{ code: 'invalid_input', n: refused }, { code: 'rate_limited', n: 1 }]);
  });

  it('the business-hours alert fires from what queue-leads really writes', async () => {
    const quiet = await admin.rpc('queue_alerts');
    expect((quiet.data ?? []).map((alert: { code: string }) => alert.code)).not.toContain('business_hours_violation');
    const refused = await invoke(admin, 'queue-leads', { leadIds: leads.slice(0, 1), scheduledFor: at(futureDate(isSaturday)) });
    expect(refused.status).toBe(422);
    const { data } = await admin.rpc('queue_alerts');
    expect(data).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'business_hours_violation', value: 1 })]));
  });
});
