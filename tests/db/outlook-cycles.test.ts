import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createLeads } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, USERS } from '../support/seed.ts';

// private.pair_outlook jumps whole turns of a repeating cycle of ticks; future items cut into the cycle again and again
// here, and a pace with a part-used bucket is asked late in the day. Its answers must stay the old walk's
// (private.pair_outlook_walk), column by column, and the drain's too.

const db = withDatabase();

interface Row {
  queue_item_id: string;
  waiting_for: string;
  waiting_until: Date | null;
  expected_send_at: Date | null;
  holiday_name: string | null;
}

// Thursday 2026-09-17, 10:00 in Israel (UTC+3): the window is open until 17:00.
const THURSDAY_MORNING = new Date('2026-09-17T07:00:00Z');
const dueNow = "$4::timestamptz - interval '2 hours' + l.n * interval '1 millisecond'";

/** `count` pending items of the demo admin, item n (1-based) scheduled by the SQL expression over n. */
async function queue(count: number, scheduled: string, priority = "'normal'"): Promise<string[]> {
  const leads = await createLeads(db.pool, count, DEMO_CLIENT_ID, 'cycles');
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into public.whatsapp_message_queue (lead_id, client_id, user_id, status, priority, scheduled_for, max_attempts, created_at)
     select l.id, $2, $3, 'pending', (${priority})::public.queue_priority, ${scheduled}, 5, $4::timestamptz - interval '1 day' + l.n * interval '1 second'
       from unnest($1::uuid[]) with ordinality l(id, n)
     returning id`,
    [leads, DEMO_CLIENT_ID, DEMO_ADMIN_ID, THURSDAY_MORNING.toISOString()],
  );
  return rows.map((r) => r.id);
}

async function project(fn: 'pair_outlook' | 'pair_outlook_walk', wanted: string[], at: Date): Promise<Row[]> {
  const client = await db.pool.connect();
  try {
    await client.query(`begin; select set_config('request.jwt.claims', '{"role":"service_role"}', true)`);
    const { rows } = await client.query<Row>(
      `select queue_item_id, waiting_for, waiting_until, expected_send_at, holiday_name from private.${fn}($1, $2, $3, $4) order by queue_item_id`,
      [DEMO_ADMIN_ID, DEMO_CLIENT_ID, wanted, at],
    );
    await client.query('commit');
    return rows;
  } finally {
    client.release();
  }
}

async function agreed(wanted: string[], at: Date = THURSDAY_MORNING): Promise<Map<string, Row>> {
  const fast = await project('pair_outlook', wanted, at);
  expect(fast).toHaveLength(wanted.length);
  expect(fast).toEqual(await project('pair_outlook_walk', wanted, at));
  return new Map(fast.map((row) => [row.queue_item_id, row]));
}

async function drainAgrees(at: Date = THURSDAY_MORNING): Promise<void> {
  const { rows: [drain] } = await as(db.pool, USERS.demoAdmin, (client) =>
    client.query<{ drain_at: Date | null }>('select drain_at from queue_drain(null, $1)', [at]));
  // The walk in the processor's role, so it reads the client's part-used send bucket (a caller outside the client reads a full one).
  const client = await db.pool.connect();
  try {
    await client.query(`begin; select set_config('request.jwt.claims', '{"role":"service_role"}', true)`);
    const { rows: [walk] } = await client.query<{ last: Date | null }>(
      `select max(o.expected_send_at) as last from private.pair_outlook_walk($1, $2, array(select id from public.whatsapp_message_queue
         where status in ('pending', 'queued', 'processing')), $3) o`, [DEMO_ADMIN_ID, DEMO_CLIENT_ID, at]);
    await client.query('commit');
    expect(drain!.drain_at).not.toBeNull();
    expect(drain!.drain_at).toEqual(walk!.last);
  } finally {
    client.release();
  }
}

beforeEach(() => resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 2000, rate_limit_per_hour: 1000 }));

describe('the outlook taking a cycle it saw before gives the old walk answers', () => {
  it('future items every 25 minutes in a long due queue: the same cycle, cut by each of them and taken up again', async () => {
    // 1,000 an hour, a claim every 2 s: each future item cuts into the cycle; the ticks after it are back on the cycle.
    const ids = await queue(2_400, `case when l.n % 150 = 0 then $4::timestamptz + (l.n / 150) * interval '25 minutes' + interval '17 seconds'
                                         else ${dueNow} end`,
      "case when l.n % 150 = 0 then 'high' else 'normal' end");
    const all = await agreed(ids);
    expect(new Set([...all.values()].map((row) => row.waiting_for))).toEqual(new Set(['due_now', 'scheduled']));
    const future = ids.filter((_, i) => (i + 1) % 150 === 0);
    // Each future item goes within a tick or two of its time (it is ahead of the due ones in claim order).
    for (const id of future) {
      const row = all.get(id)!;
      expect(row.expected_send_at!.getTime() - row.waiting_until!.getTime()).toBeLessThan(120_000);
    }
    for (const start of [0, 1_000, 2_350]) await agreed(ids.slice(start, start + 50));
    await agreed([...future.slice(-5), ids[2_398]!]);
    await drainAgrees();
  });

  it('an uneven pace (a part-used bucket, 1.5 s claims at 1,234 an hour), future items in two priorities, asked late in the day', async () => {
    await resetQueueState(db.pool, { max_capacity: 100_000, daily_target: 1000, processing_delay_ms: 1500, rate_limit_per_hour: 1234 });
    const afternoon = new Date('2026-09-17T11:10:00Z');
    await db.pool.query(`insert into private.rate_buckets (bucket, tokens, updated_at) values ('send:' || $1, 3.2, $2::timestamptz - interval '7 seconds')`,
      [DEMO_CLIENT_ID, afternoon]);
    const ids = await queue(3_000,
      `case when l.n % 120 = 0 then $4::timestamptz + interval '4 hours 10 minutes' + (l.n / 120) * interval '19 minutes' else ${dueNow} end`,
      "case when l.n % 240 = 0 then 'high' when l.n % 120 = 0 then 'low' else 'normal' end");
    const all = await agreed(ids, afternoon);
    // Thursday's window closes at 17:00: the rest goes on Sunday.
    const days = new Set([...all.values()].map((row) => row.expected_send_at!.toLocaleDateString('en-CA', { timeZone: 'Asia/Jerusalem' })));
    expect(days).toEqual(new Set(['2026-09-17', '2026-09-20']));
    for (const start of [0, 1_500, 2_950]) await agreed(ids.slice(start, start + 50), afternoon);
    await drainAgrees(afternoon);
  });
});
