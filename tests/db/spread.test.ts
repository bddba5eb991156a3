import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createLeads } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';

const db = withDatabase();

beforeEach(() => resetQueueState(db.pool, { max_capacity: 200, daily_target: 200 }));

/** Queued items per local day in Israel, with whether that day is open by the window rules. */
async function perDay() {
  const { rows } = await db.pool.query<{ day: string; n: number; open: boolean }>(
    `select to_char(d, 'YYYY-MM-DD') as day, n, (private.plan_day(s, d)).open as open
       from (select (scheduled_for at time zone 'Asia/Jerusalem')::date as d, count(*)::int as n
               from whatsapp_message_queue where status = 'pending' group by 1) x,
            user_queue_settings s where s.user_id = $1 and s.client_id = $2 order by 1`,
    [USERS.demoAdmin.id, DEMO_CLIENT_ID],
  );
  return rows;
}

const spread = (leads: string[]) =>
  as(db.pool, USERS.demoAdmin, async (client) => (await client.query('select enqueue_spread($1, $2) as r', [leads, DEMO_CLIENT_ID])).rows[0].r, { commit: true });

describe('spread, do not refuse', () => {
  it('plans 600 at 16:00 with a capacity of 200 as 200/200/200 over the next open days, skipping Yom Kippur', async () => {
    // Thursday 2026-09-17 16:00 in Israel: Friday and Saturday are closed, Monday the 21st is Yom Kippur.
    const plan = await as(db.pool, USERS.demoAdmin, async (client) =>
      (await client.query(`select day::text, window_start, queued from plan_spread(600, $1, '2026-09-17T13:00:00Z')`, [DEMO_CLIENT_ID])).rows);
    expect(plan).toEqual([
      { day: '2026-09-17', window_start: new Date('2026-09-17T13:00:00Z'), queued: 200 },
      { day: '2026-09-20', window_start: new Date('2026-09-20T06:00:00Z'), queued: 200 },
      { day: '2026-09-22', window_start: new Date('2026-09-22T06:00:00Z'), queued: 200 },
    ]);
  });

  it('queues 600 as 200 on each of three open days, atomically through enqueue_leads', async () => {
    const leads = await createLeads(db.pool, 600, DEMO_CLIENT_ID, 'spread');
    const answer = await spread(leads);
    expect(answer).toMatchObject({ queued: 600, unplanned: 0 });
    const days = await perDay();
    expect(days.map((day) => day.n)).toEqual([200, 200, 200]);
    for (const day of days) expect(day.open).toBe(true);
  });

  it('two tabs spreading at once never overshoot a day', async () => {
    const leads = await createLeads(db.pool, 600, DEMO_CLIENT_ID, 'tabs');
    const [first, second] = await Promise.all([spread(leads.slice(0, 300)), spread(leads.slice(300))]);
    expect(first.queued + second.queued).toBe(600);
    const days = await perDay();
    for (const day of days) expect(day.n).toBeLessThanOrEqual(200);
    expect(days.reduce((sum, day) => sum + day.n, 0)).toBe(600);
  });

  it('all or nothing: a day refused by enqueue_leads undoes the days before it and answers its refusal', async () => {
    const mine = await createLeads(db.pool, 200, DEMO_CLIENT_ID, 'mine');
    const theirs = await createLeads(db.pool, 50, OTHER_CLIENT_ID, 'theirs');
    const answer = await spread([...mine, ...theirs]);
    expect(answer).toMatchObject({ code: 'forbidden' });
    expect(answer.day).toEqual(expect.any(String));
    const { rows } = await db.pool.query(`select count(*)::int as n from whatsapp_message_queue`);
    expect(rows[0].n).toBe(0);
  });

  it('plans from the Send at it was refused for, never before it', async () => {
    const leads = await createLeads(db.pool, 5, DEMO_CLIENT_ID, 'later');
    const answer = await as(db.pool, USERS.demoAdmin, async (client) =>
      (await client.query(`select enqueue_spread($1, $2, start_at => now() + interval '30 days') as r`, [leads, DEMO_CLIENT_ID])).rows[0].r, { commit: true });
    expect(answer).toMatchObject({ queued: 5, unplanned: 0 });
    const { rows } = await db.pool.query(`select count(*)::int as n from whatsapp_message_queue where scheduled_for < now() + interval '30 days'`);
    expect(rows[0].n).toBe(0);
  });

  it('only a client admin may plan or spread', async () => {
    await expect(as(db.pool, USERS.demoManager, (client) => client.query('select * from plan_spread(10, $1)', [DEMO_CLIENT_ID]))).rejects.toMatchObject({ code: '42501' });
    await expect(as(db.pool, 'anon', (client) => client.query('select * from plan_spread(10, $1)', [DEMO_CLIENT_ID]))).rejects.toMatchObject({ code: '42501' });
  });
});
