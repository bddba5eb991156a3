import { beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { as, withDatabase } from '../support/db.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';

const db = withDatabase();
const SECOND_ADMIN = { id: 'a0000000-0000-4000-8000-0000000000d2', email: 'dash-second@test.test', clientId: DEMO_CLIENT_ID, role: 'admin' } as const;
const LEAVER = { id: 'a0000000-0000-4000-8000-0000000000d3', email: 'dash-leaver@test.test', clientId: DEMO_CLIENT_ID, role: 'admin' } as const;
const TWO_CLIENTS = { id: 'a0000000-0000-4000-8000-0000000000d4', email: 'dash-two@test.test', clientId: DEMO_CLIENT_ID, role: 'manager' } as const;
type Actor = Parameters<typeof as>[1];

const COUNTS = ['depth', 'queued', 'processing', 'sent_24h', 'failed_24h', 'oldest_pending_seconds'] as const;

// The dashboard's numbers as a plain count(*) over the rows the caller's RLS shows, at the same now() (one transaction).
const PLAIN = `
  select q.user_id, q.client_id,
         count(*) filter (where q.status = 'pending')::integer as depth,
         count(*) filter (where q.status = 'queued')::integer as queued,
         count(*) filter (where q.status = 'processing')::integer as processing,
         count(*) filter (where q.status = 'pending' and q.scheduled_for <= now()
                            and (q.next_attempt_at is null or q.next_attempt_at <= now()))::integer as due_now,
         count(*) filter (where q.status = 'sent' and q.processed_at >= now() - interval '24 hours')::integer as sent_24h,
         count(*) filter (where q.status = 'failed' and q.processed_at >= now() - interval '24 hours')::integer as failed_24h,
         extract(epoch from now() - min(q.scheduled_for) filter (where q.status = 'pending' and q.scheduled_for <= now()))::integer
           as oldest_pending_seconds
    from public.whatsapp_message_queue q
   where ($1::uuid is null or q.client_id = $1)
     and (q.status in ('pending', 'queued', 'processing') or (q.status in ('sent', 'failed') and q.processed_at >= now() - interval '24 hours'))
   group by rollup ((q.user_id, q.client_id))`;

type Row = Record<string, unknown>;
const pick = (row: Row | undefined, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, row?.[k] ?? (k === 'oldest_pending_seconds' ? null : 0)]));

/** Every dashboard read of `actor` for `forClient` next to the plain count, in one transaction. */
async function expectPlainCounts(actor: Actor, forClient: string | null) {
  const seen = await as(db.pool, actor, async (c: pg.PoolClient) => ({
    plain: (await c.query(PLAIN, [forClient])).rows as Row[],
    status: (await c.query('select * from public.queue_status($1)', [forClient])).rows[0] as Row,
    admins: (await c.query('select * from public.queue_admin_status($1)', [forClient])).rows as Row[],
    depthAlert: (await c.query(`select value from public.queue_alerts($1) where code = 'queue_depth'`, [forClient])).rows as Row[],
  }));
  const total = seen.plain.find((r) => r.user_id === null);
  const pairs = seen.plain.filter((r) => r.user_id !== null);
  expect(pick(seen.status, [...COUNTS, 'due_now'])).toEqual(pick(total, [...COUNTS, 'due_now']));
  for (const pair of pairs) {
    const row = seen.admins.find((a) => a.user_id === pair.user_id && a.client_id === pair.client_id);
    expect(pick(row, COUNTS), `${String(pair.user_id)} in ${String(pair.client_id)}`).toEqual(pick(pair, COUNTS));
  }
  for (const row of seen.admins) {
    const pair = pairs.find((p) => p.user_id === row.user_id && p.client_id === row.client_id);
    expect(pick(row, COUNTS)).toEqual(pick(pair, COUNTS));
  }
  const depth = Number(total?.depth ?? 0);
  expect(seen.depthAlert.map((r) => Number(r.value))).toEqual(depth > 500 ? [depth] : []);
  return { total, pairs, admins: seen.admins };
}

async function expectAllPlain() {
  for (const forClient of [DEMO_CLIENT_ID, OTHER_CLIENT_ID, null]) {
    for (const actor of [USERS.demoManager, USERS.demoAdmin, USERS.otherAdmin, SECOND_ADMIN, TWO_CLIENTS]) await expectPlainCounts(actor, forClient);
  }
}

/** One item in every state the dashboard tells apart, for `owner`. */
async function itemsOf(owner: string, clientId: string) {
  const leads = await createLeads(db.pool, 10, clientId, `dash-${owner.slice(-2)}`);
  await insertItems(db.pool, leads.slice(0, 3), { scheduledFor: "now() - interval '2 hours'" }, owner);
  await insertItems(db.pool, leads.slice(3, 4), { scheduledFor: "now() + interval '3 hours'" }, owner);
  await insertItems(db.pool, leads.slice(4, 5), { scheduledFor: "now() - interval '1 hour'", nextAttemptAt: "now() + interval '10 minutes'", attempts: 1 }, owner);
  await insertItems(db.pool, leads.slice(5, 6), { scheduledFor: "now() - interval '3 hours'", nextAttemptAt: "now() - interval '1 minute'", attempts: 1 }, owner);
  await insertItems(db.pool, leads.slice(6, 7), { status: 'queued' }, owner);
  await insertItems(db.pool, leads.slice(7, 8), { status: 'sent' }, owner);
  await insertItems(db.pool, leads.slice(8, 9), { status: 'failed', processedAt: "now() - interval '25 hours'" }, owner);
  await insertItems(db.pool, leads.slice(9, 10), { status: 'cancelled' }, owner);
}

beforeAll(async () => {
  for (const user of [SECOND_ADMIN, LEAVER, TWO_CLIENTS]) {
    await db.pool.query('insert into auth.users (id, email) values ($1, $2)', [user.id, user.email]);
  }
  await db.pool.query(
    `insert into client_members (client_id, user_id, role) values ($1, $2, 'admin'), ($1, $3, 'admin'), ($1, $4, 'manager'), ($5, $4, 'manager')`,
    [DEMO_CLIENT_ID, SECOND_ADMIN.id, LEAVER.id, TWO_CLIENTS.id, OTHER_CLIENT_ID],
  );
  await db.pool.query('delete from whatsapp_message_queue');
});

describe('the dashboard counts from the kept counters', () => {
  it('equal a plain count(*) under RLS after inserts, claims, sends, failures, cancels and an admin leaving', async () => {
    await itemsOf(USERS.demoAdmin.id, DEMO_CLIENT_ID);
    await itemsOf(SECOND_ADMIN.id, DEMO_CLIENT_ID);
    await itemsOf(LEAVER.id, DEMO_CLIENT_ID);
    await itemsOf(USERS.otherAdmin.id, OTHER_CLIENT_ID);
    await expectAllPlain();

    const claimed = (await db.pool.query<{ id: string }>("select id from public.claim_queue_batch('dash-w', 4)")).rows.map((r) => r.id);
    expect(claimed.length).toBeGreaterThan(0);
    await expectAllPlain();
    for (const id of claimed) await db.pool.query("select public.start_queue_item($1, 'dash-w')", [id]);
    await db.pool.query("select public.complete_queue_item($1, 'dash-w', 'dash-t')", [claimed[0]]);
    if (claimed[1]) await db.pool.query("select public.fail_queue_item($1, 'dash-w', 'Agent DB answered 500', 'http_500', true, null)", [claimed[1]]);
    await expectAllPlain();

    await as(db.pool, USERS.demoAdmin, async (c) => {
      const { rows } = await c.query<{ id: string }>(`select id from whatsapp_message_queue where user_id = $1 and status = 'pending' limit 2`, [USERS.demoAdmin.id]);
      await c.query('select public.cancel_queue_items($1)', [rows.map((r) => r.id)]);
    }, { commit: true });
    await db.pool.query('delete from client_members where user_id = $1', [LEAVER.id]);
    await expectAllPlain();
  });

  it('give a manager of two clients each client on its own and both together, an admin their own and a leaver\'s', async () => {
    const demo = await expectPlainCounts(TWO_CLIENTS, DEMO_CLIENT_ID);
    const other = await expectPlainCounts(TWO_CLIENTS, OTHER_CLIENT_ID);
    const both = await expectPlainCounts(TWO_CLIENTS, null);
    expect(Number(both.total?.depth)).toBe(Number(demo.total?.depth) + Number(other.total?.depth));
    expect(Number(other.total?.depth)).toBeGreaterThan(0);
    expect(new Set(both.admins.map((a) => a.client_id))).toEqual(new Set([DEMO_CLIENT_ID, OTHER_CLIENT_ID]));

    const admin = await expectPlainCounts(USERS.demoAdmin, null);
    expect(new Set(admin.pairs.map((p) => p.user_id))).toEqual(new Set([USERS.demoAdmin.id, LEAVER.id]));
    const leaver = admin.admins.find((a) => a.user_id === LEAVER.id);
    expect(leaver).toMatchObject({ client_id: DEMO_CLIENT_ID });
    expect(Number(leaver?.depth)).toBeGreaterThan(0);
    const second = await expectPlainCounts(SECOND_ADMIN, null);
    expect(second.admins.map((a) => a.user_id)).not.toContain(USERS.demoAdmin.id);
  });

  it('raise the depth alert from the counters for the client on screen only', async () => {
    await insertItems(db.pool, await createLeads(db.pool, 501, OTHER_CLIENT_ID, 'dash-depth'), {}, USERS.otherAdmin.id);
    const other = await expectPlainCounts(TWO_CLIENTS, OTHER_CLIENT_ID);
    expect(Number(other.total?.depth)).toBeGreaterThan(500);
    const depthAlert = (forClient: string | null) => as(db.pool, TWO_CLIENTS, async (c) =>
      (await c.query(`select value from public.queue_alerts($1) where code = 'queue_depth'`, [forClient])).rows.map((r) => Number(r.value)));
    expect(await depthAlert(OTHER_CLIENT_ID)).toEqual([Number(other.total?.depth)]);
    expect(await depthAlert(DEMO_CLIENT_ID)).toEqual([]);
    await expectAllPlain();
  });
});
