import { beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { as, claimsFor, sqlstate, withDatabase } from '../support/db.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS, type SeedUser } from '../support/seed.ts';
import type { EnqueueResult } from '../../supabase/functions/_shared/schemas.ts';
import { createLeads } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';

const db = withDatabase();
beforeEach(() => resetQueueState(db.pool));

function enqueue(leadIds: string[], options: { scheduledFor?: string; priority?: string } = {}, actor: SeedUser = USERS.demoAdmin) {
  return as(
    db.pool,
    actor,
    async (c) =>
      (
        await c.query<{ r: EnqueueResult }>('select enqueue_leads($1, $2, coalesce($3::timestamptz, now())) r', [
          leadIds, options.priority ?? 'normal', options.scheduledFor ?? null,
        ])
      ).rows[0]!.r,
    { commit: true },
  );
}

describe('enqueue_leads', () => {
  it('queues the leads and returns the new ids', async () => {
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'enq');
    const result = await enqueue(leads, { priority: 'high' });
    expect(result).toMatchObject({ queued: 3, skipped_duplicates: 0, skipped_opted_out: 0, skipped_unknown: 0, warning: null });
    const { rows } = await db.pool.query('select status, priority, user_id from whatsapp_message_queue where id = any($1)', [result.queue_ids]);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'pending' && r.priority === 'high' && r.user_id === USERS.demoAdmin.id)).toBe(true);
  });

  it('skips and counts duplicates, opted-out leads and leads of another client', async () => {
    const [a, b, optedOut] = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'skip');
    const [foreign] = await createLeads(db.pool, 1, OTHER_CLIENT_ID, 'foreign');
    await db.pool.query('update leads set opted_out_at = now() where id = $1', [optedOut]);
    await enqueue([a!]);
    const result = await enqueue([a!, b!, b!, optedOut!, foreign!]);
    expect(result).toMatchObject({ queued: 1, skipped_duplicates: 2, skipped_opted_out: 1, skipped_unknown: 1 });
  });

  it('warns past the daily target with the spec message', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 45, max_capacity = 200 where user_id = $1', [USERS.demoAdmin.id]);
    await enqueue(await createLeads(db.pool, 40, DEMO_CLIENT_ID, 'target-a'));
    const result = await enqueue(await createLeads(db.pool, 10, DEMO_CLIENT_ID, 'target-b'));
    expect(result.queued).toBe(10);
    expect(result.warning).toBe('Exceeding daily target (50/45)');
  });

  it('refuses past max capacity with the spec message and queues nothing', async () => {
    await enqueue(await createLeads(db.pool, 200, DEMO_CLIENT_ID, 'cap-a'));
    const extra = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'cap-b');
    const error = await enqueue(extra).catch((e: unknown) => e as pg.DatabaseError);
    expect(error).toMatchObject({ code: 'LQ422', message: 'Daily capacity exceeded (201/200)', detail: 'capacity_exceeded' });
    const { rows } = await db.pool.query('select count(*)::int n from whatsapp_message_queue where lead_id = $1', [extra[0]]);
    expect(rows[0].n).toBe(0);
  });

  it('counts capacity per scheduled day in the admin’s time zone', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 2, max_capacity = 2 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 4, DEMO_CLIENT_ID, 'days');
    // 23:30 and 00:30 Israel time (winter, UTC+2) are different local days though the same UTC day.
    await enqueue(leads.slice(0, 2), { scheduledFor: '2030-01-15T21:30:00Z' });
    const nextDay = await enqueue(leads.slice(2, 4), { scheduledFor: '2030-01-15T22:30:00Z' });
    expect(nextDay.queued).toBe(2);
    const sameDay = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'days-late');
    await expect(enqueue(sameDay, { scheduledFor: '2030-01-15T12:00:00Z' })).rejects.toMatchObject({ code: 'LQ422' });
  });

  it('20 concurrent calls never exceed max capacity', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 30, max_capacity = 50 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 100, DEMO_CLIENT_ID, 'race');
    const pools = Array.from({ length: 20 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const outcomes = await Promise.allSettled(
        pools.map((pool, i) => as(pool, USERS.demoAdmin, async (c) => {
          const { rows } = await c.query('select enqueue_leads($1) r', [leads.slice(i * 5, i * 5 + 5)]);
          return rows[0].r as EnqueueResult;
        }, { commit: true })),
      );
      const accepted = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(accepted).toHaveLength(10);
      expect(refused.every((o) => (o.reason as { code: string }).code === 'LQ422')).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const { rows } = await db.pool.query('select count(*)::int n from whatsapp_message_queue where user_id = $1', [USERS.demoAdmin.id]);
    expect(rows[0].n).toBe(50);
  });

  it('refuses managers, anonymous callers and empty or oversized input', async () => {
    const leads = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'who');
    expect(await sqlstate(enqueue(leads, {}, USERS.demoManager))).toBe('42501');
    expect(await sqlstate(as(db.pool, 'anon', (c) => c.query('select enqueue_leads($1)', [leads])))).toBe('42501');
    expect(await sqlstate(enqueue([]))).toBe('22023');
    expect(claimsFor('anon')).toEqual({ role: 'anon' });
  });

  it('another client’s admin can only queue their own leads', async () => {
    const demoLeads = await createLeads(db.pool, 2, DEMO_CLIENT_ID, 'cross');
    const result = await enqueue(demoLeads, {}, USERS.otherAdmin);
    expect(result).toMatchObject({ queued: 0, skipped_unknown: 2 });
  });

  it('queues 10,000 leads in one call', async () => {
    await db.pool.query('update user_queue_settings set max_capacity = 20000, daily_target = 20000 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 10000, DEMO_CLIENT_ID, 'bulk');
    const result = await enqueue(leads);
    expect(result.queued).toBe(10000);
    const { rows } = await db.pool.query(
      "select sum(queued)::int as queued from queue_performance_metrics where user_id = $1 and hour = date_trunc('hour', now())", [USERS.demoAdmin.id]);
    expect(rows[0].queued).toBeGreaterThanOrEqual(10000);
  });
});
