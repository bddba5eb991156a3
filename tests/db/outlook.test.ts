import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { createLeads, insertItems, type OutlookRow as Outlook } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

// Sunday 2026-11-01 in Israel (winter time, UTC+2): 20:00 local is 18:00Z, the window opens Monday 09:00 (07:00Z).
const SUNDAY_EVENING = '2026-11-01T18:00:00Z';
const MONDAY_OPEN = new Date('2026-11-02T07:00:00Z');

async function outlook(actor: Actor, at: string, ids: string[] | null = null): Promise<Outlook[]> {
  return as(db.pool, actor, async (client) => (await client.query<Outlook>('select * from queue_outlook($1, null, $2)', [ids, at])).rows);
}

async function items(count: number, spec: Parameters<typeof insertItems>[2]): Promise<string[]> {
  return insertItems(db.pool, await createLeads(db.pool, count, DEMO_CLIENT_ID, 'outlook'), spec);
}

beforeEach(() => resetQueueState(db.pool, { max_capacity: 3, daily_target: 3, rate_limit_per_hour: 100000, processing_delay_ms: 2000 }));

describe('queue_outlook', () => {
  it('outside hours: waits for the next window, then goes within the capacity, the rest on the next open day', async () => {
    await items(5, { scheduledFor: "timestamptz '2026-11-01T10:00:00Z'" });
    const rows = await outlook(USERS.demoAdmin, SUNDAY_EVENING);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatchObject({ waiting_for: 'outside_hours', waiting_until: MONDAY_OPEN });
    const expected = rows.map((row) => row.expected_send_at!.toISOString()).sort();
    expect(expected).toEqual([
      '2026-11-02T07:00:00.000Z', '2026-11-02T07:00:02.000Z', '2026-11-02T07:00:04.000Z', // Monday: the capacity of 3
      '2026-11-03T07:00:00.000Z', '2026-11-03T07:00:02.000Z',
    ]);
  });

  it('names the item reasons: scheduled, backoff with its error and attempt, in flight', async () => {
    const [scheduled] = await items(1, { scheduledFor: "timestamptz '2026-11-02T10:00:00Z'" });
    const [backoff] = await items(1, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'", nextAttemptAt: "timestamptz '2026-11-02T08:05:00Z'", attempts: 2 });
    await db.pool.query(`update whatsapp_message_queue set error_code = 'http_503' where id = $1`, [backoff]);
    const [flying] = await items(1, { status: 'processing', lockedUntil: "timestamptz '2026-11-02T08:01:00Z'" });
    const rows = await outlook(USERS.demoAdmin, '2026-11-02T08:00:00Z');
    const by = (id: string) => rows.find((row) => row.queue_item_id === id)!;
    expect(by(scheduled!)).toMatchObject({ waiting_for: 'scheduled', waiting_until: new Date('2026-11-02T10:00:00Z'), expected_send_at: new Date('2026-11-02T10:00:00Z') });
    expect(by(backoff!)).toMatchObject({ waiting_for: 'backoff', error_code: 'http_503', attempt: 2, max_attempts: 5, expected_send_at: new Date('2026-11-02T08:05:00Z') });
    expect(by(flying!)).toMatchObject({ waiting_for: 'in_flight', waiting_until: new Date('2026-11-02T08:01:00Z') });
  });

  it('paused by the admin: no expected time, and the drain says paused', async () => {
    await items(2, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    await db.pool.query(`update user_queue_settings set processing_state = 'paused' where user_id = $1`, [DEMO_ADMIN_ID]);
    const rows = await outlook(USERS.demoAdmin, '2026-11-02T08:00:00Z');
    expect(rows.map((row) => [row.waiting_for, row.expected_send_at])).toEqual([['admin_paused', null], ['admin_paused', null]]);
    const drain = await as(db.pool, USERS.demoAdmin, async (client) => (await client.query('select * from queue_drain(null, $1)', ['2026-11-02T08:00:00Z'])).rows[0]);
    expect(drain).toMatchObject({ waiting: 2, paused: true, drain_at: null });
  });

  it('the drain of a paused admin with an item in flight: it goes now, the rest are paused, as the outlook says', async () => {
    await items(2, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    await items(1, { status: 'processing', lockedUntil: "timestamptz '2026-11-02T08:01:00Z'" });
    await db.pool.query(`update user_queue_settings set processing_state = 'paused' where user_id = $1`, [DEMO_ADMIN_ID]);
    for (const actor of [USERS.demoAdmin, USERS.demoManager]) {
      const rows = await outlook(actor, '2026-11-02T08:00:00Z');
      expect(rows.map((row) => row.waiting_for).sort()).toEqual(['admin_paused', 'admin_paused', 'in_flight']);
      const drain = await as(db.pool, actor, async (client) => (await client.query('select * from queue_drain(null, $1)', ['2026-11-02T08:00:00Z'])).rows[0]);
      expect(drain).toMatchObject({ waiting: 3, paused: true, drain_at: new Date('2026-11-02T08:00:00Z') });
    }
    await db.pool.query(`delete from public.whatsapp_message_queue where status = 'pending'`);
    const drain = await as(db.pool, USERS.demoAdmin, async (client) => (await client.query('select * from queue_drain(null, $1)', ['2026-11-02T08:00:00Z'])).rows[0]);
    expect(drain).toMatchObject({ waiting: 1, paused: false, drain_at: new Date('2026-11-02T08:00:00Z') });
  });

  it('the drain is the last expected send', async () => {
    await items(4, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    const drain = await as(db.pool, USERS.demoAdmin, async (client) => (await client.query('select * from queue_drain(null, $1)', ['2026-11-02T08:00:00Z'])).rows[0]);
    // Three go Monday from 10:00 (the capacity), the fourth Tuesday when the window opens.
    expect(drain).toMatchObject({ waiting: 4, paused: false, drain_at: new Date('2026-11-03T07:00:00Z') });
  });

  it("paces like the fan-out processor: the environment's delay when the admin has none, next_send_at across ticks", async () => {
    await items(5, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    await db.pool.query(`update user_queue_settings set max_capacity = 10, processing_delay_ms = null where user_id = $1`, [DEMO_ADMIN_ID]);
    await db.pool.query(`update private.processor_config set processing_delay_ms = 30000`);
    // The last claim was at 07:59:50: the next may go at 08:00:20. Claims 30 s apart; one whose send could not finish
    // inside the invocation (50 s budget less the 10 s webhook timeout) waits for the next tick.
    await db.pool.query(`insert into private.pair_pacing (user_id, client_id, next_send_at) select s.user_id, s.client_id, timestamptz '2026-11-02T08:00:20Z' from public.user_queue_settings s where s.user_id = $1 on conflict (user_id, client_id) do update set next_send_at = excluded.next_send_at`, [DEMO_ADMIN_ID]);
    try {
      const rows = await outlook(USERS.demoAdmin, '2026-11-02T08:00:00Z');
      expect(rows.map((row) => row.expected_send_at!.toISOString()).sort()).toEqual([
        '2026-11-02T08:00:20.000Z', '2026-11-02T08:01:00.000Z', '2026-11-02T08:01:30.000Z', '2026-11-02T08:02:00.000Z', '2026-11-02T08:02:30.000Z',
      ]);
    } finally {
      await db.pool.query(`update private.processor_config set processing_delay_ms = default`);
      await db.pool.query(`update private.pair_pacing set next_send_at = null`);
    }
  });

  it('RLS decides: the client manager sees the admin items, another client admin sees none, anon may not call it', async () => {
    await items(2, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    expect(await outlook(USERS.demoManager, '2026-11-02T08:00:00Z')).toHaveLength(2);
    expect(await outlook(USERS.otherAdmin, '2026-11-02T08:00:00Z')).toHaveLength(0);
    await expect(outlook('anon', '2026-11-02T08:00:00Z')).rejects.toMatchObject({ code: '42501' });
  });

  it('private.pair_visible, which the outlook’s definers check first, answers as the queue’s read policy does for every caller and pair', async () => {
    const [departed] = await createRunningAdmins(db.pool, 1);
    await items(1, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    await insertItems(db.pool, await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'departed'), {}, departed);
    await insertItems(db.pool, await createLeads(db.pool, 1, OTHER_CLIENT_ID, 'other'), {}, USERS.otherAdmin.id);
    await db.pool.query(`delete from client_members where user_id = $1`, [departed]);
    const pairs = (await db.pool.query<{ user_id: string; client_id: string }>(
      `select distinct user_id, client_id from whatsapp_message_queue order by 1, 2`,
    )).rows;
    expect(pairs).toHaveLength(3);
    const seen: string[] = [];
    for (const actor of [USERS.demoAdmin, USERS.demoManager, USERS.otherAdmin, 'service_role'] as const) {
      for (const pair of pairs) {
        const [byPolicy, byFunction] = await as(db.pool, actor, async (client) => {
          const read = (await client.query(`select exists (select 1 from whatsapp_message_queue where user_id = $1 and client_id = $2) as v`, [pair.user_id, pair.client_id])).rows[0].v;
          // The definers call it as its owner with the caller's claims: the same here.
          await client.query('reset role');
          const fn = (await client.query(`select private.pair_visible($1, $2) as v`, [pair.user_id, pair.client_id])).rows[0].v;
          return [read, fn];
        });
        expect(byFunction, `${typeof actor === 'string' ? actor : actor.email} on ${pair.user_id}`).toBe(byPolicy);
        if (byPolicy) seen.push(`${typeof actor === 'string' ? actor : actor.email}:${pair.user_id === departed ? 'departed' : pair.user_id}`);
      }
    }
    // Every branch of the policy was taken: the owner, the manager, the departed owner's remaining admin, the service role.
    expect(seen).toEqual(expect.arrayContaining([`test@test.test:${DEMO_ADMIN_ID}`, 'test@test.test:departed', `manager@test.test:${DEMO_ADMIN_ID}`, `other@test.test:${USERS.otherAdmin.id}`]));
    expect(seen.filter((entry) => entry.startsWith('service_role'))).toHaveLength(3);
    expect(seen.filter((entry) => entry.startsWith('other@'))).toHaveLength(1);
  });

  it('cancel_waiting_items cancels every waiting item of the admin in one call: 375 of 375', async () => {
    await items(370, { scheduledFor: "timestamptz '2026-11-02T07:00:00Z'" });
    await items(5, { status: 'queued' });
    await items(2, { status: 'sent', processedAt: 'now()' });
    const cancelled = await as(db.pool, USERS.demoAdmin, async (client) => (await client.query('select cancel_waiting_items($1) as n', [DEMO_CLIENT_ID])).rows[0].n, { commit: true });
    expect(cancelled).toBe(375);
    const left = await db.pool.query(`select status::text, count(*)::int as n from whatsapp_message_queue group by 1 order by 1`);
    expect(left.rows).toEqual([{ status: 'cancelled', n: 375 }, { status: 'sent', n: 2 }]);
    await expect(as(db.pool, USERS.demoManager, (client) => client.query('select cancel_waiting_items($1)', [DEMO_CLIENT_ID]))).rejects.toMatchObject({ code: '42501' });
  });

  it('queue_capacity_today counts what was sent today in the admin zone against the capacity', async () => {
    await items(2, { status: 'sent', processedAt: "timestamptz '2026-11-02T07:30:00Z'" });
    await items(1, { status: 'sent', processedAt: "timestamptz '2026-11-01T21:30:00Z'" }); // 23:30 Sunday in Israel
    const row = await as(db.pool, USERS.demoAdmin, async (client) => (await client.query('select * from queue_capacity_today($1, $2)', [DEMO_CLIENT_ID, '2026-11-02T10:00:00Z'])).rows[0]);
    expect(row).toEqual({ sent_today: 2, in_flight: 0, capacity: 3 });
  });
});
