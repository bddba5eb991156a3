import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createLeads } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, USERS } from '../support/seed.ts';

// private.pair_outlook takes the walk in jumps (20261202100100); private.pair_outlook_walk is the walk it replaced, one
// claim at a time over the whole queue. Both are asked the same question and must give the same answer, column by column.

const db = withDatabase();

interface Row {
  queue_item_id: string;
  waiting_for: string;
  waiting_until: Date | null;
  expected_send_at: Date | null;
  holiday_name: string | null;
}

// Thursday 2026-09-17 in Israel (summer time, UTC+3), 10:00 local: Erev Yom Kippur is Sunday the 20th, Yom Kippur
// Monday the 21st, Sukkot I Saturday the 26th (already closed), Shmini Atzeret Saturday 3 October.
const THURSDAY_MORNING = new Date('2026-09-17T07:00:00Z');
const local = (at: Date) => at.toLocaleDateString('en-CA', { timeZone: 'Asia/Jerusalem' });

/** `count` pending items of the demo admin, item n (1-based, in created order) shaped by the SQL expressions over n. */
async function queue(count: number, shape: { scheduled: string; priority?: string; nextAttempt?: string; attempts?: string }): Promise<string[]> {
  const leads = await createLeads(db.pool, count, DEMO_CLIENT_ID, 'jumps');
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into public.whatsapp_message_queue (lead_id, client_id, user_id, status, priority, scheduled_for, next_attempt_at, attempts,
       max_attempts, created_at)
     select l.id, $2, $3, 'pending', (${shape.priority ?? "'normal'"})::public.queue_priority, ${shape.scheduled}, ${shape.nextAttempt ?? 'null'},
            ${shape.attempts ?? '0'}, 5, $4::timestamptz - interval '1 day' + l.n * interval '1 second'
       from unnest($1::uuid[]) with ordinality l(id, n)
     returning id, created_at`,
    [leads, DEMO_CLIENT_ID, DEMO_ADMIN_ID, THURSDAY_MORNING.toISOString()],
  );
  return rows.map((r) => r.id);
}

async function project(fn: 'pair_outlook' | 'pair_outlook_walk', wanted: string[], at: Date): Promise<{ rows: Row[]; ms: number }> {
  // In the processor's role, so both read the client's send bucket (a caller outside the client reads a full one).
  const client = await db.pool.connect();
  try {
    await client.query(`begin; select set_config('request.jwt.claims', '{"role":"service_role"}', true)`);
    const started = performance.now();
    const { rows } = await client.query<Row>(
      `select queue_item_id, waiting_for, waiting_until, expected_send_at, holiday_name from private.${fn}($1, $2, $3, $4) order by queue_item_id`,
      [DEMO_ADMIN_ID, DEMO_CLIENT_ID, wanted, at],
    );
    const ms = performance.now() - started;
    await client.query('commit');
    client.release();
    return { rows, ms };
  } catch (error) {
    client.release(true);
    throw error;
  }
}

/** The jumps' answer for `wanted`, after checking it is the walk's answer. */
async function agreed(wanted: string[], at: Date = THURSDAY_MORNING): Promise<Map<string, Row>> {
  const fast = await project('pair_outlook', wanted, at);
  const walk = await project('pair_outlook_walk', wanted, at);
  expect(fast.rows).toHaveLength(wanted.length);
  expect(fast.rows).toEqual(walk.rows);
  timings.push(`${wanted.length} wanted: jumps ${fast.ms.toFixed(1)} ms, walk ${walk.ms.toFixed(1)} ms`);
  return new Map(fast.rows.map((row) => [row.queue_item_id, row]));
}

const timings: string[] = [];

/** queue_drain as the admin, and the latest expected send of the old walk over every waiting item. */
async function drains(at: Date = THURSDAY_MORNING): Promise<{ drain: Date | null; walk: Date | null }> {
  const { rows: [drain] } = await as(db.pool, USERS.demoAdmin, (client) =>
    client.query<{ drain_at: Date | null; waiting: number }>('select drain_at, waiting from queue_drain(null, $1)', [at]));
  const { rows: [waiting] } = await db.pool.query<{ n: number }>(
    `select count(*)::integer as n from public.whatsapp_message_queue where status in ('pending', 'queued', 'processing')`);
  expect(drain!.waiting).toBe(waiting!.n);
  const { rows: [walk] } = await db.pool.query<{ last: Date | null }>(
    `select max(o.expected_send_at) as last from private.pair_outlook_walk($1, $2, array(select id from public.whatsapp_message_queue
       where status in ('pending', 'queued', 'processing')), $3) o`, [DEMO_ADMIN_ID, DEMO_CLIENT_ID, at]);
  return { drain: drain!.drain_at, walk: walk!.last };
}
afterAll(() => console.log(`outlook jumps vs walk:\n${timings.join('\n')}`));

const sendDays = (rows: Iterable<Row>) => new Set([...rows].map((row) => (row.expected_send_at ? local(row.expected_send_at) : 'none')));

beforeEach(() => resetQueueState(db.pool, { max_capacity: 200, daily_target: 200, processing_delay_ms: 2000, rate_limit_per_hour: 1000 }));

describe('the outlook in jumps gives the old walk answers', () => {
  it('a deep item: position 5,000 of 10,000, 25 open days away, across Yom Kippur and Sukkot', async () => {
    const ids = await queue(10_000, { scheduled: "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'" });
    const deep = ids[4_999]!;
    const alone = await agreed([deep]);
    const at = alone.get(deep)!.expected_send_at!;
    // 200 a day from Thursday: the 25th open day, with the weekends, Yom Kippur and Sukkot I closed.
    expect(local(at)).toBe('2026-10-22');
    const page = await agreed(ids.slice(4_975, 5_025));
    expect(page.get(deep)!.expected_send_at).toEqual(at);
    expect(sendDays(page.values())).toEqual(new Set(['2026-10-22', '2026-10-25']));
    for (const row of page.values()) expect(row.waiting_for).toBe('daily_capacity');
  });

  it('the drain: the last of 3,000 items, with every item asked for', async () => {
    const ids = await queue(3_000, { scheduled: "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'" });
    const all = await agreed(ids);
    expect(sendDays(all.values()).size).toBe(15);
    expect(sendDays(all.values()).has('2026-09-21')).toBe(false);
    const { drain, walk } = await drains();
    expect(drain).toEqual(walk);
    expect(drain).toEqual(new Date(Math.max(...[...all.values()].map((row) => row.expected_send_at!.getTime()))));
  });

  it('future-scheduled and backoff items interleaved, higher priorities among them', async () => {
    const ids = await queue(1_500, {
      scheduled: `case when l.n % 5 = 0 then $4::timestamptz + (l.n % 48) * interval '1 hour' + (l.n % 7) * interval '1 minute'
                       when l.n % 11 = 0 then $4::timestamptz + interval '3 hours' else $4::timestamptz - interval '1 hour' + l.n * interval '1 millisecond' end`,
      priority: "case when l.n % 11 = 0 then 'high' when l.n % 17 = 0 then 'low' when l.n % 23 = 0 then 'immediate' else 'normal' end",
      nextAttempt: "case when l.n % 13 = 0 then $4::timestamptz + interval '150 minutes' end",
      attempts: 'case when l.n % 13 = 0 then 1 else 0 end',
    });
    const all = await agreed(ids);
    expect(new Set([...all.values()].map((row) => row.waiting_for))).toEqual(new Set(['due_now', 'scheduled', 'backoff', 'daily_capacity']));
    for (const start of [0, 400, 1_000]) await agreed(ids.slice(start, start + 50));
    await agreed([ids[1_499]!, ids[10]!, ids[54]!]);
    const { drain, walk } = await drains();
    expect(drain).not.toBeNull();
    expect(drain).toEqual(walk);
  });

  it('capacity spilling over several days around a holiday, asked on the holiday itself', async () => {
    const ids = await queue(900, { scheduled: "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'" });
    const onYomKippur = new Date('2026-09-21T08:00:00Z');
    const all = await agreed(ids, onYomKippur);
    expect(all.get(ids[0]!)).toMatchObject({ waiting_for: 'holiday', holiday_name: 'Yom Kippur' });
    expect(sendDays(all.values())).toEqual(new Set(['2026-09-22', '2026-09-23', '2026-09-24', '2026-09-27', '2026-09-28']));
    await agreed(ids.slice(600, 650), onYomKippur);
  });

  it('a paused client: nothing before the pause ends, then the same days', async () => {
    const ids = await queue(700, { scheduled: "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'" });
    const pausedUntil = new Date(THURSDAY_MORNING.getTime() + 90 * 60_000);
    await db.pool.query('update public.clients set sending_paused_until = $2 where id = $1', [DEMO_CLIENT_ID, pausedUntil]);
    const all = await agreed(ids);
    for (const row of all.values()) expect(row.expected_send_at!.getTime()).toBeGreaterThanOrEqual(pausedUntil.getTime());
    expect(all.get(ids[0]!)).toMatchObject({ waiting_for: 'client_paused', waiting_until: pausedUntil });
    await agreed(ids.slice(300, 350));
  });
});

// 20261202140200: a tick's claims in closed form on the integer bucket, and ticks taken a whole cycle at a time.
describe('the outlook in tick cycles gives the old walk answers', () => {
  const dueNow = "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'";
  const pages = (ids: string[]) => [0, Math.floor(ids.length / 2), ids.length - 50].map((start) => ids.slice(start, start + 50));

  it('a day bound by the send budget alone: 3,000 items at 1,000 an hour, in cycles of ticks', async () => {
    await resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 2000, rate_limit_per_hour: 1000 });
    const ids = await queue(3_000, { scheduled: dueNow });
    for (const page of pages(ids)) await agreed(page);
    const ends = await agreed([ids[0]!, ids[2_999]!]);
    const hours = (ends.get(ids[2_999]!)!.expected_send_at!.getTime() - ends.get(ids[0]!)!.expected_send_at!.getTime()) / 3_600_000;
    // A full bucket of 16.67 first, then 1,000 an hour: the 3,000th goes a little under three hours after the first.
    expect(hours).toBeGreaterThan(2.9);
    expect(hours).toBeLessThan(3);
    expect(local(ends.get(ids[2_999]!)!.expected_send_at!)).toBe(local(THURSDAY_MORNING));
  });

  it('a bucket that refills faster than a claim takes it, and one that refills exactly as fast, across the window close', async () => {
    for (const perHour of [7_200, 3_600]) {
      await resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 1000, rate_limit_per_hour: perHour });
      const ids = await queue(5_000, { scheduled: dueNow });
      // Thursday 15:30: 41 claims a tick (40 s over 1 s), about 3,700 before the 17:00 close, the rest on Sunday.
      const lateThursday = new Date('2026-09-17T12:30:00Z');
      const all = await agreed([ids[0]!, ids[2_999]!, ids[4_999]!], lateThursday);
      expect(sendDays(all.values())).toEqual(new Set(['2026-09-17', '2026-09-20']));
      await agreed(ids.slice(3_650, 3_750), lateThursday);
    }
  });

  it('an uneven pace from a part-used bucket, with future items cutting into the cycles', async () => {
    await resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 1500, rate_limit_per_hour: 1234 });
    await db.pool.query(`insert into private.rate_buckets (bucket, tokens, updated_at) values ('send:' || $1, 2.7, $2::timestamptz - interval '5 seconds')`,
      [DEMO_CLIENT_ID, THURSDAY_MORNING]);
    const ids = await queue(2_500, {
      scheduled: `case when l.n % 97 = 0 then $4::timestamptz + (l.n / 97) * interval '7 minutes' else ${dueNow} end`,
      priority: "case when l.n % 194 = 0 then 'high' else 'normal' end",
    });
    const all = await agreed(ids);
    expect(new Set([...all.values()].map((row) => row.waiting_for))).toEqual(new Set(['due_now', 'scheduled', 'send_budget']));
    for (const page of pages(ids)) await agreed(page);
    const { drain, walk } = await drains();
    expect(drain).toEqual(walk);
  });
});

// 20261202190100: the future items are looked up (scheduled ones by a range of each priority, retries on their partial
// index), not filtered out of every item up to the last wanted one.
describe('the outlook with looked-up future items gives the old walk answers', () => {
  it('retries waiting and retries already due, future items in every priority, the newest items as the page', async () => {
    const ids = await queue(2_000, {
      scheduled: `case when l.n % 9 = 0 then $4::timestamptz + (l.n % 30) * interval '10 minutes'
                       else $4::timestamptz - interval '1 hour' + l.n * interval '1 millisecond' end`,
      priority: "(array['low', 'normal', 'normal', 'high', 'immediate'])[l.n % 5 + 1]",
      nextAttempt: `case when l.n % 13 = 0 then $4::timestamptz + (l.n % 4) * interval '40 minutes'
                         when l.n % 19 = 0 then $4::timestamptz - interval '3 minutes' end`,
      attempts: 'case when l.n % 13 = 0 or l.n % 19 = 0 then 1 else 0 end',
    });
    const all = await agreed(ids);
    const reasons = new Set([...all.values()].map((row) => row.waiting_for));
    for (const reason of ['due_now', 'scheduled', 'backoff']) expect(reasons).toContain(reason);
    // A retry whose next attempt has passed is due: none of them waits for a backoff.
    const dueRetries = ids.filter((_, i) => (i + 1) % 19 === 0 && (i + 1) % 13 !== 0 && (i + 1) % 9 !== 0);
    for (const id of dueRetries) expect(all.get(id)!.waiting_for).not.toBe('backoff');
    await agreed(ids.slice(-50));
    await agreed(ids.filter((_, i) => (i + 1) % 5 === 0).slice(-40));
    await agreed(ids.filter((_, i) => (i + 1) % 13 === 0 || (i + 1) % 19 === 0).slice(0, 50));
    const { drain, walk } = await drains();
    expect(drain).toEqual(walk);
  });
});

// 20261202220100: the closed form's batch stops at the first claim that can pick a future item, taken item by item.
describe('the outlook bounded by each future item gives the old walk answers', () => {
  it('future items whose times run against their claim order: the earliest one eligible is the last of them in claim order', async () => {
    await resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 2000, rate_limit_per_hour: 1000 });
    const ids = await queue(1_500, {
      // Items 1,441-1,500 are future: the higher the priority the later the time, so the first in claim order goes last.
      scheduled: `case when l.n > 1440 then $4::timestamptz + (l.n - 1441) * interval '3 minutes' + interval '5 minutes'
                       else $4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond' end`,
      priority: "case when l.n > 1440 then (array['low', 'normal', 'high', 'immediate'])[(l.n - 1441) / 15 + 1] else 'normal' end",
    });
    const all = await agreed(ids);
    const at = (i: number) => all.get(ids[i]!)!.expected_send_at!.getTime();
    // The 'low' items, eligible first, go after every due 'normal' one; the 'immediate' ones as soon as they are eligible.
    for (let i = 1_440; i < 1_455; i++) expect(at(i)).toBeGreaterThan(at(1_439));
    for (let i = 1_485; i < 1_500; i++) expect(at(i) - all.get(ids[i]!)!.waiting_until!.getTime()).toBeLessThan(120_000);
    await agreed(ids.slice(-50));
    await agreed(ids.slice(700, 750));
    const { drain, walk } = await drains();
    expect(drain).toEqual(walk);
  });
});

// 20261202220200: one gap over the cap (500 entries) is the rest of the pair's kept pending count; otherwise counted.
describe('pair_ranks takes one long gap from the kept count, on both sides of its caps', () => {
  /** Whether the answer for `wanted` moves when the kept pending count is off by seven: it was read only if it does. */
  async function readsKeptCount(wanted: string[]): Promise<boolean> {
    const right = await agreed(wanted);
    await db.pool.query(`update public.queue_status_counts set items = items + 7 where user_id = $1 and client_id = $2 and status = 'pending'`,
      [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
    try {
      const off = (await project('pair_outlook', wanted, THURSDAY_MORNING)).rows;
      return off.some((row) => row.expected_send_at?.getTime() !== right.get(row.queue_item_id)!.expected_send_at?.getTime());
    } finally {
      await db.pool.query(`update public.queue_status_counts set items = items - 7 where user_id = $1 and client_id = $2 and status = 'pending'`,
        [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
    }
  }

  beforeEach(() => resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 2000, rate_limit_per_hour: 1000 }));

  it('a gap of 500 is counted, of 501 taken from the kept count; 500 items behind the last row allow it, 501 do not', async () => {
    const ids = await queue(1_100, { scheduled: "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'" });
    expect(await readsKeptCount([ids[500]!])).toBe(false);
    expect(await readsKeptCount([ids[599]!])).toBe(true);
    expect(await readsKeptCount([ids[598]!])).toBe(false);
    expect(await readsKeptCount([ids[1_099]!, ids[3]!, ids[800]!])).toBe(true);
  });

  it('the newest page behind one long due block reads the kept count; two long blocks are counted in full', async () => {
    const future = "$4::timestamptz + (l.n - 1200) * interval '4 minutes'";
    const ids = await queue(1_260, {
      scheduled: `case when l.n > 1200 then ${future} else $4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond' end`,
      priority: "case when l.n > 1230 then 'low' else 'normal' end",
    });
    expect(await readsKeptCount(ids.slice(-50))).toBe(true);
    const { drain, walk } = await drains();
    expect(drain).toEqual(walk);
    // 600 'high' items due and one later: its row splits the long due blocks over two gaps, each over the cap.
    await queue(601, {
      scheduled: "case when l.n > 600 then $4::timestamptz + interval '7 minutes' else $4::timestamptz - interval '3 hours' + l.n * interval '1 millisecond' end",
      priority: "'high'",
    });
    expect(await readsKeptCount(ids.slice(-50))).toBe(false);
  });
});
