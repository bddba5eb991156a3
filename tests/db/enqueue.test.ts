import { beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { as, claimsFor, sqlstate, withDatabase } from '../support/db.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS, type SeedUser } from '../support/seed.ts';
import type { EnqueueRefusal, EnqueueResult } from '../../supabase/functions/_shared/schemas.ts';
import { createLeads } from '../support/queueItems.ts';
import { ALWAYS_OPEN, resetQueueState } from '../support/queueState.ts';

const db = withDatabase();
// Open at any hour, so these tests are about what they name; the window itself is tested below with fixed instants.
beforeEach(() => resetQueueState(db.pool, ALWAYS_OPEN));

type Answer = EnqueueResult | EnqueueRefusal;

function enqueue(leadIds: string[], options: { scheduledFor?: string; priority?: string; defer?: boolean } = {}, actor: SeedUser = USERS.demoAdmin) {
  return as(
    db.pool,
    actor,
    async (c) =>
      (
        await c.query<{ r: Answer }>('select enqueue_leads($1, $2, $3::timestamptz, defer_to_next_window => $4) r', [
          leadIds, options.priority ?? 'normal', options.scheduledFor ?? null, options.defer ?? false,
        ])
      ).rows[0]!.r,
    { commit: true },
  );
}

async function queued(leadIds: string[], options: Parameters<typeof enqueue>[1] = {}): Promise<EnqueueResult> {
  const answer = await enqueue(leadIds, options);
  if (!('queued' in answer)) throw new Error(`refused: ${JSON.stringify(answer)}`);
  return answer;
}

/** A day of the coming year at this Israel local time (winter or summer offset taken from the database). */
async function israelInstant(daysAhead: number, time: string): Promise<string> {
  const { rows } = await db.pool.query<{ at: Date }>(
    `select ((now() at time zone 'Asia/Jerusalem')::date + $1::integer + $2::time) at time zone 'Asia/Jerusalem' as at`,
    [daysAhead, time],
  );
  return rows[0]!.at.toISOString();
}

describe('enqueue_leads', () => {
  it('queues the leads and returns the new ids', async () => {
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'enq');
    const result = await queued(leads, { priority: 'high' });
    expect(result).toMatchObject({ queued: 3, skipped_duplicates: 0, skipped_opted_out: 0, skipped_unknown: 0, warning: null, client_id: DEMO_CLIENT_ID });
    const { rows } = await db.pool.query('select status, priority, user_id from whatsapp_message_queue where id = any($1)', [result.queue_ids]);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'pending' && r.priority === 'high' && r.user_id === USERS.demoAdmin.id)).toBe(true);
  });

  it('skips and counts duplicates, opted-out leads and leads of another client', async () => {
    const [a, b, optedOut] = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'skip');
    const [foreign] = await createLeads(db.pool, 1, OTHER_CLIENT_ID, 'foreign');
    await db.pool.query('update leads set opted_out_at = now() where id = $1', [optedOut]);
    await queued([a!]);
    const result = await queued([a!, b!, b!, optedOut!, foreign!]);
    expect(result).toMatchObject({ queued: 1, skipped_duplicates: 2, skipped_opted_out: 1, skipped_unknown: 1 });
  });

  it('warns past the daily target with the spec message', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 45, max_capacity = 200 where user_id = $1', [USERS.demoAdmin.id]);
    await queued(await createLeads(db.pool, 40, DEMO_CLIENT_ID, 'target-a'));
    const result = await queued(await createLeads(db.pool, 10, DEMO_CLIENT_ID, 'target-b'));
    expect(result.queued).toBe(10);
    expect(result.warning).toBe('Exceeding daily target (50/45)');
  });

  it('refuses past max capacity with the spec message and queues nothing', async () => {
    await queued(await createLeads(db.pool, 200, DEMO_CLIENT_ID, 'cap-a'));
    const extra = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'cap-b');
    expect(await enqueue(extra)).toMatchObject({ code: 'capacity_exceeded', message: 'Daily capacity exceeded (201/200)', booked: 200, capacity: 200 });
    const { rows } = await db.pool.query('select count(*)::int n from whatsapp_message_queue where lead_id = $1', [extra[0]]);
    expect(rows[0].n).toBe(0);
  });

  it('counts capacity per scheduled day in the admin’s time zone', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 2, max_capacity = 2 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 4, DEMO_CLIENT_ID, 'days');
    // 23:30 and 00:30 Israel time are different local days though (in winter) the same UTC day.
    await queued(leads.slice(0, 2), { scheduledFor: await israelInstant(10, '23:30') });
    const nextDay = await queued(leads.slice(2, 4), { scheduledFor: await israelInstant(11, '00:30') });
    expect(nextDay.queued).toBe(2);
    const sameDay = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'days-late');
    expect(await enqueue(sameDay, { scheduledFor: await israelInstant(10, '12:00') })).toMatchObject({ code: 'capacity_exceeded' });
  });

  it('20 concurrent calls never exceed max capacity', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 30, max_capacity = 50 where user_id = $1', [USERS.demoAdmin.id]);
    await db.pool.query('update private.queue_limits set operations_per_hour = 100000');
    const leads = await createLeads(db.pool, 100, DEMO_CLIENT_ID, 'race');
    const pools = Array.from({ length: 20 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const answers = await Promise.all(
        pools.map((pool, i) => as(pool, USERS.demoAdmin, async (c) => {
          const { rows } = await c.query('select enqueue_leads($1) r', [leads.slice(i * 5, i * 5 + 5)]);
          return rows[0].r as Answer;
        }, { commit: true })),
      );
      expect(answers.filter((a) => 'queued' in a)).toHaveLength(10);
      expect(answers.filter((a) => 'code' in a).every((a) => (a as EnqueueRefusal).code === 'capacity_exceeded')).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await db.pool.query('update private.queue_limits set operations_per_hour = 600');
    }
    const { rows } = await db.pool.query('select count(*)::int n from whatsapp_message_queue where user_id = $1', [USERS.demoAdmin.id]);
    expect(rows[0].n).toBe(50);
  });

  it('refuses managers, anonymous callers and empty or oversized input', async () => {
    const leads = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'who');
    expect(await enqueue(leads, {}, USERS.demoManager)).toEqual({ code: 'forbidden', message: 'Only a client admin can queue leads', details: null, hint: null });
    expect(await sqlstate(as(db.pool, 'anon', (c) => c.query('select enqueue_leads($1)', [leads])))).toBe('42501');
    expect(await enqueue([])).toMatchObject({ code: 'invalid_input', message: 'Select at least one lead' });
    const many = Array.from({ length: 1001 }, (_, n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`);
    expect(await enqueue(many)).toMatchObject({ code: 'invalid_input', message: 'At most 1000 leads per call (got 1001)' });
    expect(claimsFor('anon')).toEqual({ role: 'anon' });
  });

  it('another client’s admin can only queue their own leads', async () => {
    const demoLeads = await createLeads(db.pool, 2, DEMO_CLIENT_ID, 'cross');
    expect(await enqueue(demoLeads, {}, USERS.otherAdmin)).toMatchObject({ code: 'forbidden', message: 'None of these leads belong to your client' });
    const { rows } = await db.pool.query('select count(*)::int n from whatsapp_message_queue where lead_id = any($1)', [demoLeads]);
    expect(rows[0].n).toBe(0);
  });

  it('queues 1,000 leads in one call, the most one call may carry', async () => {
    await db.pool.query('update user_queue_settings set max_capacity = 20000, daily_target = 20000 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 1000, DEMO_CLIENT_ID, 'bulk');
    const result = await queued(leads);
    expect(result.queued).toBe(1000);
    const { rows } = await db.pool.query(
      "select sum(queued)::int as queued from queue_performance_metrics where user_id = $1 and hour = date_trunc('hour', now())", [USERS.demoAdmin.id]);
    expect(rows[0].queued).toBeGreaterThanOrEqual(1000);
  });
});

describe('enqueue_leads keeps the rules queue-leads kept', () => {
  const hours = (enabled: boolean) => ({ enabled, start: '09:00', end: '17:00' });

  it('refuses outside the window with the spec code and message, and offers (or takes) the next window', async () => {
    await resetQueueState(db.pool, { holiday_calendar: 'none' });
    const [lead] = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'window');
    const evening = await israelInstant(7, '20:00');
    const refused = await enqueue([lead!], { scheduledFor: evening });
    expect(refused).toMatchObject({ code: expect.stringMatching(/^(outside_business_hours|business_closed)$/) });
    const next = (refused as EnqueueRefusal).nextWindow!;
    expect(new Date(next.start).getTime()).toBeGreaterThan(new Date(evening).getTime());
    const deferred = await queued([lead!], { scheduledFor: evening, defer: true });
    expect(new Date(deferred.scheduled_for).toISOString()).toBe(new Date(next.start).toISOString());
  });

  it('refuses a closed weekday as business_closed, and scheduled_for in the past or over a year ahead', async () => {
    await resetQueueState(db.pool, {
      business_hours: { sunday: hours(false), monday: hours(false), tuesday: hours(false), wednesday: hours(false), thursday: hours(false), friday: hours(false), saturday: hours(false) },
    });
    const [lead] = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'bounds');
    expect(await enqueue([lead!], { scheduledFor: await israelInstant(3, '10:00') })).toMatchObject({ code: 'business_closed', nextWindow: null });
    await resetQueueState(db.pool, ALWAYS_OPEN);
    expect(await enqueue([lead!], { scheduledFor: '2000-01-03T10:00:00Z' })).toMatchObject({ code: 'invalid_input', message: 'scheduled_for must not be in the past' });
    expect(await enqueue([lead!], { scheduledFor: await israelInstant(400, '10:00') })).toMatchObject({
      code: 'invalid_input', message: 'scheduled_for must be at most one year ahead',
    });
    // A few minutes of clock skew back are now.
    const skewed = await db.pool.query<{ at: Date }>(`select now() - interval '2 minutes' as at`);
    expect(await enqueue([lead!], { scheduledFor: skewed.rows[0]!.at.toISOString() })).toMatchObject({ queued: 1 });
  });

  it('takes one operation token per call, refusals included, and audits a rate-limited caller once a minute', async () => {
    await db.pool.query('update private.queue_limits set operations_per_hour = 60');
    try {
      const [lead] = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'limit');
      const { rows: [before] } = await db.pool.query<{ id: string }>('select coalesce(max(id), 0) as id from queue_audit_log');
      // 60 an hour is a burst of one: the first call passes the limiter (and is refused for its input), the rest wait.
      expect(await enqueue([])).toMatchObject({ code: 'invalid_input' });
      for (let i = 0; i < 5; i += 1) expect(await enqueue([lead!])).toMatchObject({ code: 'rate_limited', retryAfter: 60 });
      const { rows } = await db.pool.query<{ code: string; n: number }>(
        `select details->>'code' as code, count(*)::int as n from queue_audit_log
          where action = 'queue_rejected' and user_id = $1 and id > $2 group by 1 order by 1`,
        [USERS.demoAdmin.id, before!.id],
      );
      expect(rows).toEqual([{ code: 'invalid_input', n: 1 }, { code: 'rate_limited', n: 1 }]);
    } finally {
      await db.pool.query('update private.queue_limits set operations_per_hour = 600');
    }
  });

  it('refuses leads of two of the caller’s clients in one call', async () => {
    await db.pool.query(`insert into client_members (client_id, user_id, role) values ($1, $2, 'admin') on conflict do nothing`, [OTHER_CLIENT_ID, USERS.demoAdmin.id]);
    try {
      const [demo] = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'two-a');
      const [other] = await createLeads(db.pool, 1, OTHER_CLIENT_ID, 'two-b');
      expect(await enqueue([demo!, other!])).toMatchObject({ code: 'invalid_input', message: 'These leads belong to different clients: queue them one client at a time' });
    } finally {
      await db.pool.query('delete from client_members where client_id = $1 and user_id = $2', [OTHER_CLIENT_ID, USERS.demoAdmin.id]);
      await db.pool.query('delete from user_queue_settings where client_id = $1 and user_id = $2', [OTHER_CLIENT_ID, USERS.demoAdmin.id]);
    }
  });
});
