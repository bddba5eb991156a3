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

  it("a spread batch carries the admin's template and variables to every day", async () => {
    const leads = await createLeads(db.pool, 300, DEMO_CLIENT_ID, 'invite');
    const variables = { event_name: 'Open day', event_date: '2026-12-20' };
    const answer = await as(db.pool, USERS.demoAdmin, async (client) =>
      (await client.query(`select enqueue_spread($1, $2, message_template => 'event_invite', message_variables => $3) as r`, [leads, DEMO_CLIENT_ID, variables])).rows[0].r,
      { commit: true });
    expect(answer).toMatchObject({ queued: 300, skipped_recently_contacted: 0, unplanned: 0 });
    expect(answer.days).toHaveLength(2);
    const { rows } = await db.pool.query(
      `select message_template, message_variables, count(*)::int as n from whatsapp_message_queue group by 1, 2`);
    expect(rows).toEqual([{ message_template: 'event_invite', message_variables: variables, n: 300 }]);
  });

  it('the cool-down keeps recently contacted leads out of the plan and the batch; the override queues them', async () => {
    const leads = await createLeads(db.pool, 250, DEMO_CLIENT_ID, 'cool');
    const recent = leads.slice(0, 60);
    await db.pool.query(`update leads set last_contacted_at = now() - interval '3 days' where id = any($1)`, [recent]);
    const preview = (include: boolean) =>
      as(db.pool, USERS.demoAdmin, async (client) =>
        (await client.query('select preview_spread($1, $2, include_recently_contacted => $3) as r', [leads, DEMO_CLIENT_ID, include])).rows[0].r);
    const kept = await preview(false);
    expect(kept.skipped_recently_contacted).toBe(60);
    expect(kept.days.reduce((sum: number, day: { queued: number }) => sum + day.queued, 0)).toBe(190);
    const all = await preview(true);
    expect(all.skipped_recently_contacted).toBe(0);
    expect(all.days.reduce((sum: number, day: { queued: number }) => sum + day.queued, 0)).toBe(250);

    // Without the override: 190 fit one day's capacity of 200, none of the 60 is queued.
    const answer = await spread(leads);
    expect(answer).toMatchObject({ queued: 190, skipped_recently_contacted: 60, unplanned: 0 });
    expect(answer.days).toHaveLength(1);
    const queued = await db.pool.query('select count(*)::int as n from whatsapp_message_queue where lead_id = any($1)', [recent]);
    expect(queued.rows[0].n).toBe(0);

    // With it: the 60 go too, over the capacity left today and the next open day.
    const overridden = await as(db.pool, USERS.demoAdmin, async (client) =>
      (await client.query('select enqueue_spread($1, $2, include_recently_contacted => true) as r', [recent, DEMO_CLIENT_ID])).rows[0].r, { commit: true });
    expect(overridden).toMatchObject({ queued: 60, skipped_recently_contacted: 0, unplanned: 0 });
    expect((await perDay()).map((day) => day.n)).toEqual([200, 50]);
  });
});
