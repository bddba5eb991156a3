import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { as, type Actor, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { createLeads, insertItems, type ItemSpec, type OutlookRow as Row } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';

// private.pairs_outlook (20261203130100) projects every running pair of a call in one function call, their inputs read
// in one statement. The functions it replaced, as their migrations wrote them (private.pair_outlook of 20261202220100,
// queue_outlook of 20261202220300, queue_drain of 20261202190200), are loaded here under other names and must give the
// same answers, column by column, on pages mixing many pairs: admins of different settings (pacing, window, time zone,
// holiday calendar, capacity), paused, departed, over capacity, a client paused, the send bucket low.
// 20261204100200 reads the due items ahead of every pair's wanted items in pairs_outlook's one statement for its pairs'
// inputs (and restates the per-pair input functions there): 20261203130100's pairs_outlook, queue_outlook and queue_drain
// are loaded as *_prev and must give the same answers too, including a pair whose gaps the caps do not settle.

const db = withDatabase();

const MIGRATIONS = path.resolve(import.meta.dirname, '../../supabase/migrations');
/** The `create or replace function <name>(` statement of a migration, up to its closing `$$;`. */
function lift(file: string, name: string): string {
  const sql = readFileSync(path.join(MIGRATIONS, file), 'utf8');
  const start = sql.indexOf(`create or replace function ${name}(`);
  expect(start).toBeGreaterThanOrEqual(0);
  return sql.slice(start, sql.indexOf('\n$$;', start) + 4);
}
const OLD = [
  lift('20261202220100_outlook_batch_by_each_future_item.sql', 'private.pair_outlook'),
  lift('20261202220300_outlook_stopped_pairs_in_sql.sql', 'public.queue_outlook'),
  lift('20261202190200_drain_skips_stopped_pairs.sql', 'public.queue_drain'),
].map((sql) => sql.replaceAll('private.pair_outlook(', 'private.pair_outlook_old(')
  .replaceAll('public.queue_outlook(', 'public.queue_outlook_old(').replaceAll('public.queue_drain(', 'public.queue_drain_old('));
const PREV = ['private.pairs_outlook', 'public.queue_outlook', 'public.queue_drain']
  .map((name) => lift('20261203130100_outlook_pairs_in_one_call.sql', name).replaceAll('private.pairs_outlook(', 'private.pairs_outlook_prev(')
    .replaceAll('public.queue_outlook(', 'public.queue_outlook_prev(').replaceAll('public.queue_drain(', 'public.queue_drain_prev('));

// Thursday 2026-09-24, 09:30 in Israel; and Yom Kippur, Monday 2026-09-21, 11:00.
const THURSDAY = '2026-09-24T06:30:00Z';
const YOM_KIPPUR = '2026-09-21T08:00:00Z';
const byId = (rows: Row[]) => [...rows].sort((a, b) => a.queue_item_id.localeCompare(b.queue_item_id));
const hours = (start: string, end: string) => Object.fromEntries(
  ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((day) => [day, { enabled: day !== 'saturday', start, end }]));

async function items(userId: string, count: number, at: string, spec: ItemSpec = {}): Promise<string[]> {
  const clientId = userId === USERS.otherAdmin.id ? OTHER_CLIENT_ID : DEMO_CLIENT_ID;
  return insertItems(db.pool, await createLeads(db.pool, count, clientId, 'batch'),
    { scheduledFor: `timestamptz '${at}' - interval '1 hour'`, ...spec }, userId);
}

/** Every kind of item for one pair, relative to `at`. */
async function mixed(userId: string, at: string, due = 6): Promise<string[]> {
  return [
    ...await items(userId, due, at),
    ...await items(userId, 2, at, { priority: 'high', scheduledFor: `timestamptz '${at}' - interval '10 minutes'` }),
    ...await items(userId, 2, at, { scheduledFor: `timestamptz '${at}' + interval '90 minutes'` }),
    ...await items(userId, 1, at, { priority: 'high', scheduledFor: `timestamptz '${at}' + interval '3 minutes'` }),
    ...await items(userId, 1, at, { scheduledFor: `timestamptz '${at}' + interval '1 day 2 hours'` }),
    ...await items(userId, 1, at, { attempts: 2, nextAttemptAt: `timestamptz '${at}' + interval '20 minutes'` }),
    ...await items(userId, 1, at, { attempts: 1, nextAttemptAt: `timestamptz '${at}' - interval '5 minutes'` }),
    ...await items(userId, 1, at, { status: 'processing', lockedUntil: `timestamptz '${at}' + interval '4 minutes'` }),
  ];
}

const settings = (userId: string, change: string) => db.pool.query(`update public.user_queue_settings set ${change} where user_id = $1`, [userId]);

beforeAll(async () => {
  for (const sql of [...OLD, ...PREV]) await db.pool.query(sql);
});
beforeEach(() => resetQueueState(db.pool, { max_capacity: 100, daily_target: 100, processing_delay_ms: 2000, rate_limit_per_hour: 1000,
  holiday_calendar: 'none', business_hours: hours('00:00', '24:00') }));

/** A page of many pairs of the demo client (and two of the other client's items), asked at `at`. */
async function manyPairs(at: string): Promise<{ page: string[]; departed: string }> {
  const [slow, paused, full, holiday, short, york, departed, lowRate] = await createRunningAdmins(db.pool, 8);
  await settings(slow!, `processing_delay_ms = 30000, rate_limit_per_hour = 120`);
  await settings(paused!, `processing_state = 'paused'`);
  await settings(full!, `max_capacity = 3, daily_target = 3`);
  await settings(holiday!, `holiday_calendar = 'IL', business_hours = '${JSON.stringify(hours('08:00', '18:00'))}'`);
  await settings(short!, `business_hours = '${JSON.stringify(hours('09:00', '09:44'))}', processing_delay_ms = 20000`);
  await settings(york!, `timezone = 'America/New_York', business_hours = '${JSON.stringify(hours('07:00', '17:00'))}', max_capacity = 12, daily_target = 12`);
  await settings(lowRate!, `rate_limit_per_hour = 20, processing_delay_ms = 1000`);
  const page = [
    ...await mixed(DEMO_ADMIN_ID, at, 30),
    ...await mixed(slow!, at, 12),
    ...await mixed(paused!, at),
    ...await mixed(full!, at),
    ...await mixed(holiday!, at),
    ...await mixed(short!, at, 20),
    ...await mixed(york!, at, 15),
    ...await mixed(departed!, at),
    ...await mixed(lowRate!, at, 25),
  ];
  // Sent today: the used count of the day counts them.
  await items(DEMO_ADMIN_ID, 4, at, { status: 'sent', processedAt: `timestamptz '${at}' - interval '30 minutes'` });
  await items(full!, 2, at, { status: 'sent', processedAt: `timestamptz '${at}' - interval '20 minutes'` });
  await db.pool.query(`update public.whatsapp_message_queue set error_code = 'http_503' where attempts > 0`);
  await db.pool.query(`delete from public.client_members where user_id = $1`, [departed]);
  return { page, departed: departed! };
}

async function both(actor: Actor, ids: string[] | null, client: string | null, at: string) {
  return as(db.pool, actor, async (c) => {
    const fresh = byId((await c.query<Row>('select * from queue_outlook($1, $2, $3)', [ids, client, at])).rows);
    const old = byId((await c.query<Row>('select * from queue_outlook_old($1, $2, $3)', [ids, client, at])).rows);
    const drain = (await c.query('select * from queue_drain($1, $2)', [client, at])).rows;
    const oldDrain = (await c.query('select * from queue_drain_old($1, $2)', [client, at])).rows;
    const prev = byId((await c.query<Row>('select * from queue_outlook_prev($1, $2, $3)', [ids, client, at])).rows);
    const prevDrain = (await c.query('select * from queue_drain_prev($1, $2)', [client, at])).rows;
    return { fresh, old, drain, oldDrain, prev, prevDrain };
  });
}

describe('private.pairs_outlook: all the running pairs of a call at once', () => {
  for (const [name, at] of [['a Thursday morning', THURSDAY], ['Yom Kippur', YOM_KIPPUR]] as const) {
    it(`queue_outlook and queue_drain say what the per-pair functions said, column by column (${name})`, async () => {
      const { page } = await manyPairs(at);
      const foreign = await mixed(USERS.otherAdmin.id, at);
      await settings(USERS.otherAdmin.id, `processing_state = 'running', holiday_calendar = 'none', business_hours = '${JSON.stringify(hours('00:00', '24:00'))}'`);
      // The client's sending paused for a while, the send bucket nearly empty: the other client.
      await db.pool.query(`update public.clients set sending_paused_until = timestamptz '${at}' + interval '7 minutes' where id = $1`, [OTHER_CLIENT_ID]);
      await db.pool.query(`insert into private.rate_buckets (bucket, tokens, updated_at) values ('send:' || $1, 1.5, timestamptz '${at}')
                             on conflict (bucket) do update set tokens = excluded.tokens, updated_at = excluded.updated_at`, [DEMO_CLIENT_ID]);
      const reasons = new Set<string>();
      for (const [actor, ids, client] of [
        [USERS.demoManager, [...page, ...foreign], null],
        [USERS.demoManager, null, DEMO_CLIENT_ID],
        [USERS.demoAdmin, [...page, ...foreign], null],
        [USERS.otherAdmin, null, null],
        ['service_role', null, null],
        ['service_role', [...page, ...foreign], DEMO_CLIENT_ID],
      ] as [Actor, string[] | null, string | null][]) {
        const { fresh, old, drain, oldDrain, prev, prevDrain } = await both(actor, ids, client, at);
        expect(fresh.length).toBeGreaterThan(0);
        expect(fresh).toEqual(old);
        expect(drain).toEqual(oldDrain);
        expect(fresh).toEqual(prev);
        expect(drain).toEqual(prevDrain);
        for (const row of fresh) reasons.add(row.waiting_for);
      }
      // The page reaches every kind of answer the projection gives.
      expect([...reasons]).toEqual(expect.arrayContaining(['due_now', 'scheduled', 'backoff', 'admin_paused', 'in_flight',
        'daily_capacity', 'client_paused', ...(at === YOM_KIPPUR ? ['holiday'] : ['outside_hours', 'send_budget'])]));
    });
  }

  it('a pair whose long due blocks the caps do not settle (counted in full) among pairs the caps settle', async () => {
    const { page } = await manyPairs(THURSDAY);
    // 600 'high' items due, one later, 700 'normal' items due and the newest items of the page behind them: the later
    // row splits the due items ahead over two gaps over the cap (500), so the pair is counted in full (20261202220200).
    await items(DEMO_ADMIN_ID, 600, THURSDAY, { priority: 'high', scheduledFor: `timestamptz '${THURSDAY}' - interval '3 hours'` });
    await items(DEMO_ADMIN_ID, 1, THURSDAY, { priority: 'high', scheduledFor: `timestamptz '${THURSDAY}' + interval '7 minutes'` });
    await items(DEMO_ADMIN_ID, 700, THURSDAY, { scheduledFor: `timestamptz '${THURSDAY}' - interval '2 hours'` });
    const newest = await items(DEMO_ADMIN_ID, 5, THURSDAY);
    const ids = [...page, ...newest];
    for (const [actor, client] of [[USERS.demoManager, DEMO_CLIENT_ID], ['service_role', null]] as [Actor, string | null][]) {
      const { fresh, old, drain, oldDrain, prev, prevDrain } = await both(actor, ids, client, THURSDAY);
      expect(fresh).toEqual(old);
      expect(fresh).toEqual(prev);
      expect(drain).toEqual(oldDrain);
      expect(drain).toEqual(prevDrain);
      // Counted in full: the answers do not move when the kept pending count is off (the caps' path reads it).
      await db.pool.query(`update public.queue_status_counts set items = items + 7 where user_id = $1 and client_id = $2 and status = 'pending'`,
        [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
      try {
        expect((await both(actor, ids, client, THURSDAY)).fresh).toEqual(fresh);
      } finally {
        await db.pool.query(`update public.queue_status_counts set items = items - 7 where user_id = $1 and client_id = $2 and status = 'pending'`,
          [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
      }
      expect(fresh.filter((row) => newest.includes(row.queue_item_id)).every((row) => row.expected_send_at !== null)).toBe(true);
    }
  });

  it('private.pair_outlook gives for one pair what it gave before; a pair the caller cannot read gives nothing', async () => {
    const mine = await mixed(DEMO_ADMIN_ID, THURSDAY, 40);
    const foreign = await mixed(USERS.otherAdmin.id, THURSDAY);
    for (const actor of [USERS.demoAdmin, USERS.demoManager, USERS.otherAdmin] as Actor[]) {
      const { fresh, old } = await as(db.pool, actor, async (c) => ({
        fresh: byId((await c.query<Row>('select * from private.pair_outlook($1, $2, $3, $4)', [DEMO_ADMIN_ID, DEMO_CLIENT_ID, [...mine, ...foreign], THURSDAY])).rows),
        old: byId((await c.query<Row>('select * from private.pair_outlook_old($1, $2, $3, $4)', [DEMO_ADMIN_ID, DEMO_CLIENT_ID, [...mine, ...foreign], THURSDAY])).rows),
      }));
      expect(fresh).toEqual(old);
      expect(fresh.length).toBe(actor === USERS.otherAdmin ? 0 : mine.length);
    }
  });
});
