import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { createLeads, insertItems, type ItemSpec, type OutlookRow as Row } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';

// queue_outlook over a page that spans several pairs (20261202220300): the pairs that are not running are answered in
// SQL, the running ones by private.pair_outlook; both must say what the old walk (private.pair_outlook_walk) says.

const db = withDatabase();

// Yom Kippur, Monday 2026-09-21, 11:00 in Israel.
const YOM_KIPPUR = '2026-09-21T08:00:00Z';
const byId = (rows: Row[]) => [...rows].sort((a, b) => a.queue_item_id.localeCompare(b.queue_item_id));

async function items(userId: string, count: number, spec: ItemSpec = {}): Promise<string[]> {
  const clientId = userId === USERS.otherAdmin.id ? OTHER_CLIENT_ID : DEMO_CLIENT_ID;
  return insertItems(db.pool, await createLeads(db.pool, count, clientId, 'pairs'), { scheduledFor: "timestamptz '2026-09-21T07:00:00Z'", ...spec }, userId);
}

/** The old walk's answer for `ids`, pair by pair, read as the superuser with the service role's claims. */
async function walked(ids: string[]): Promise<Row[]> {
  const client = await db.pool.connect();
  try {
    await client.query(`begin; select set_config('request.jwt.claims', '{"role":"service_role"}', true)`);
    const { rows } = await client.query<Row>(
      `select o.* from (select user_id, client_id, array_agg(id) as ids from public.whatsapp_message_queue
                          where id = any ($1) and status in ('pending', 'queued', 'processing') group by 1, 2) p,
              lateral private.pair_outlook_walk(p.user_id, p.client_id, p.ids, $2) o`, [ids, YOM_KIPPUR]);
    await client.query('commit');
    return byId(rows);
  } finally {
    client.release();
  }
}

const outlook = (actor: Parameters<typeof as>[1], ids: string[]) =>
  as(db.pool, actor, async (client) => byId((await client.query<Row>('select * from queue_outlook($1, null, $2)', [ids, YOM_KIPPUR])).rows));

beforeEach(() => resetQueueState(db.pool, { max_capacity: 100, daily_target: 100, processing_delay_ms: 2000, rate_limit_per_hour: 1000 }));

describe('queue_outlook over a page of many pairs', () => {
  it('running, paused, over-capacity and holiday pairs in one manager page say what the old walk says; RLS decides who sees which', async () => {
    const [running, paused, full, holiday, departed] = await createRunningAdmins(db.pool, 5);
    await db.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = $1`, [paused]);
    await db.pool.query(`update public.user_queue_settings set max_capacity = 3, daily_target = 3 where user_id = $1`, [full]);
    await db.pool.query(`update public.user_queue_settings set holiday_calendar = 'IL' where user_id = $1`, [holiday]);
    const page = [
      ...await items(running!, 6),
      ...await items(running!, 2, { scheduledFor: "timestamptz '2026-09-21T09:30:00Z'" }),
      ...await items(paused!, 3),
      ...await items(paused!, 1, { status: 'processing' }),
      ...await items(paused!, 1, { attempts: 2, nextAttemptAt: "timestamptz '2026-09-21T08:30:00Z'" }),
      ...await items(full!, 8),
      ...await items(holiday!, 4),
      ...await items(departed!, 3),
      ...await items(DEMO_ADMIN_ID, 2),
    ];
    await db.pool.query(`update public.whatsapp_message_queue set error_code = 'http_503' where attempts > 0`);
    const foreign = await items(USERS.otherAdmin.id, 2);
    await db.pool.query(`delete from public.client_members where user_id = $1`, [departed]);

    const asManager = await outlook(USERS.demoManager, [...page, ...foreign]);
    expect(asManager).toEqual(await walked(page));
    const reasons = new Map(asManager.map((row) => [row.queue_item_id, row]));
    expect([...new Set(asManager.map((row) => row.waiting_for))]).toEqual(
      expect.arrayContaining(['due_now', 'scheduled', 'admin_paused', 'in_flight', 'daily_capacity', 'holiday']));
    const retried = asManager.find((row) => row.attempt === 2)!;
    expect(retried).toMatchObject({ waiting_for: 'admin_paused', error_code: 'http_503', expected_send_at: null });
    expect([...reasons.values()].filter((row) => row.waiting_for === 'holiday').every((row) => row.holiday_name === 'Yom Kippur')).toBe(true);
    for (const id of foreign) expect(reasons.has(id)).toBe(false);

    // An admin sees their own items and their departed colleague's (whose settings they cannot read: paused to them).
    const asAdmin = await outlook(USERS.demoAdmin, [...page, ...foreign]);
    const departedIds = new Set((await db.pool.query<{ id: string }>('select id from public.whatsapp_message_queue where user_id = $1', [departed])).rows.map((r) => r.id));
    const own = new Set((await db.pool.query<{ id: string }>('select id from public.whatsapp_message_queue where user_id = $1', [DEMO_ADMIN_ID])).rows.map((r) => r.id));
    expect(new Set(asAdmin.map((row) => row.queue_item_id))).toEqual(new Set([...own, ...departedIds]));
    for (const row of asAdmin) {
      if (departedIds.has(row.queue_item_id)) expect(row).toMatchObject({ waiting_for: 'admin_paused', expected_send_at: null });
      else expect(row).toEqual(reasons.get(row.queue_item_id));
    }
    const asOther = await outlook(USERS.otherAdmin, [...page, ...foreign]);
    expect(asOther.map((row) => row.queue_item_id).sort()).toEqual([...foreign].sort());
  });

  it('a caller may not run a pair’s projection for a pair they cannot read, nor read another pair’s items through it', async () => {
    const mine = await items(DEMO_ADMIN_ID, 2);
    const foreign = await items(USERS.otherAdmin.id, 2);
    const rows = await as(db.pool, USERS.otherAdmin, async (client) => {
      const theirs = (await client.query('select * from private.pair_outlook($1, $2, $3, $4)', [DEMO_ADMIN_ID, DEMO_CLIENT_ID, mine, YOM_KIPPUR])).rows;
      const smuggled = (await client.query('select * from private.pair_outlook($1, $2, $3, $4)', [USERS.otherAdmin.id, OTHER_CLIENT_ID, [...foreign, ...mine], YOM_KIPPUR])).rows;
      return { theirs, smuggled };
    });
    expect(rows.theirs).toHaveLength(0);
    expect(rows.smuggled.map((row: Row) => row.queue_item_id).sort()).toEqual([...foreign].sort());
  });
});
