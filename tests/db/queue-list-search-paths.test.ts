import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

interface Paths {
  lookupMax: number;
  walkBudget: number;
}
// Looked up; walked within the budget; walked until the budget ran out, then looked up after all.
const PATHS: Record<string, Paths> = {
  lookup: { lookupMax: 100_000, walkBudget: 60_000 },
  walk: { lookupMax: 0, walkBudget: 60_000 },
  'walk, then lookup': { lookupMax: 0, walkBudget: 3 },
};

/** Every page of a search through private.queue_list_search_ids with the given thresholds, `want` ids a page. */
async function readAll(actor: Actor, term: string, paths: Paths, options: { status?: string; client?: string; want?: number } = {}): Promise<string[]> {
  const want = options.want ?? 7;
  const seen: string[] = [];
  let after: { created_at: string; id: string } | null = null;
  for (;;) {
    const ids: string[] = await as(db.pool, actor, async (c) => (await c.query<{ ids: string[] }>(
      `select private.queue_list_search_ids($1, $2::queue_item_status, $3, $4::timestamptz, $5::uuid, $6, $7, $8) as ids`,
      [options.client ?? DEMO_CLIENT_ID, options.status ?? null, term, after?.created_at ?? null, after?.id ?? null, want, paths.lookupMax, paths.walkBudget],
    )).rows[0]!.ids);
    seen.push(...ids);
    if (ids.length < want) return seen;
    const { rows } = await db.pool.query<{ created_at: string }>('select created_at::text from whatsapp_message_queue where id = $1', [ids.at(-1)]);
    after = { created_at: rows[0]!.created_at, id: ids.at(-1)! };
  }
}

/** The matching items as a direct query orders them (superuser, the caller's filter spelled out). */
async function truth(term: string, options: { userIds?: string[]; status?: string; client?: string } = {}): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `select q.id from whatsapp_message_queue q join leads l on l.id = q.lead_id
      where q.client_id = $1 and ($2::uuid[] is null or q.user_id = any ($2)) and ($3::queue_item_status is null or q.status = $3)
        and lower(l.name) like '%' || lower($4) || '%'
      order by q.created_at desc, q.id desc`,
    [options.client ?? DEMO_CLIENT_ID, options.userIds ?? null, options.status ?? null, term],
  );
  return rows.map((row) => row.id);
}

async function walk(actor: Actor, needle: string, budget: number | null, want = 7): Promise<string[] | null> {
  return as(db.pool, actor, async (c) => (await c.query<{ ids: string[] | null }>(
    'select private.queue_list_walk($1, null, $2, false, null, null, $3, $4) as ids', [DEMO_CLIENT_ID, needle, want, budget])).rows[0]!.ids);
}

/** Rows of private.queue_list_keys that differ from what the queue and its leads say (both ways); empty when in step. */
async function keysOutOfStep(): Promise<unknown[]> {
  const kept = 'select id, client_id, user_id, created_at, lead_id, lead_name, lead_phone from private.queue_list_keys';
  const live = `select q.id, q.client_id, q.user_id, q.created_at, q.lead_id, lower(l.name), l.phone
                  from whatsapp_message_queue q join leads l on l.id = q.lead_id`;
  return (await db.pool.query(`(${kept} except ${live}) union all (${live} except ${kept})`)).rows;
}

beforeEach(() => resetQueueState(db.pool));

describe('the paths of a search page', () => {
  it('list the same rows in the same order looked up, walked within the budget, and walked past it then looked up', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const leads = await createLeads(db.pool, 40, DEMO_CLIENT_ID, 'Path');
    await insertItems(db.pool, leads.slice(0, 24));
    await insertItems(db.pool, leads.slice(24, 32), { status: 'sent' });
    await insertItems(db.pool, leads.slice(32, 40), {}, second!);
    await insertItems(db.pool, await createLeads(db.pool, 5, OTHER_CLIENT_ID, 'Path'), {}, USERS.otherAdmin.id);
    await insertItems(db.pool, await createLeads(db.pool, 20, DEMO_CLIENT_ID, 'Unmatched'));

    const admin = await truth('path', { userIds: [USERS.demoAdmin.id] });
    const manager = await truth('path');
    expect(admin).toHaveLength(32);
    expect(manager).toHaveLength(40);
    for (const [name, paths] of Object.entries(PATHS)) {
      expect({ name, rows: await readAll(USERS.demoAdmin, 'Path', paths) }).toEqual({ name, rows: admin });
      expect({ name, rows: await readAll(USERS.demoManager, 'PATH', paths) }).toEqual({ name, rows: manager });
      expect({ name, rows: await readAll(USERS.demoManager, 'path', paths, { status: 'sent', want: 3 }) }).toEqual({ name, rows: await truth('path', { status: 'sent' }) });
      expect({ name, rows: await readAll(USERS.otherAdmin, 'path', paths) }).toEqual({ name, rows: [] });
    }
    // An admin's exact counts: their range walked (it holds at most walk_factor times the leads) or the leads looked up.
    const counted = async (actor: Actor, walkFactor: number) => as(db.pool, actor, async (c) => Object.fromEntries((await c.query<{ status: string; hits: string }>(
      `select status::text, hits::text from private.queue_list_search_counts($1, private.matching_lead_ids($1, 'path'), 'path', false, $2)`,
      [DEMO_CLIENT_ID, walkFactor])).rows.map((row) => [row.status, Number(row.hits)])));
    for (const walkFactor of [0, 1, 2, 1_000]) {
      expect({ walkFactor, counts: await counted(USERS.demoAdmin, walkFactor) }).toEqual({ walkFactor, counts: { pending: 24, sent: 8 } });
      expect({ walkFactor, counts: await counted(USERS.demoManager, walkFactor) }).toEqual({ walkFactor, counts: { pending: 32, sent: 8 } });
      expect({ walkFactor, counts: await counted(USERS.otherAdmin, walkFactor) }).toEqual({ walkFactor, counts: {} });
    }
    // Both sides of the budget: the 20 newest entries match nothing, so 3 read say nothing yet, 60,000 read say it all.
    expect(await walk(USERS.demoManager, 'path', 3)).toBeNull();
    expect(await walk(USERS.demoManager, 'path', 60_000)).toEqual(manager.slice(0, 7));
    expect(await walk(USERS.demoManager, 'path', 27)).toEqual(manager.slice(0, 7));
    expect(await walk(USERS.demoManager, 'path', 26)).toBeNull();
  });

  it('walk an admin’s range together with a departed admin’s, and never another client’s or a removed admin’s', async () => {
    const [departed, removed] = await createRunningAdmins(db.pool, 2);
    await insertItems(db.pool, await createLeads(db.pool, 6, DEMO_CLIENT_ID, 'Owners'), {}, departed!);
    await insertItems(db.pool, await createLeads(db.pool, 5, DEMO_CLIENT_ID, 'Owners'));
    await insertItems(db.pool, await createLeads(db.pool, 4, DEMO_CLIENT_ID, 'Owners'), {}, removed!);
    await insertItems(db.pool, await createLeads(db.pool, 3, OTHER_CLIENT_ID, 'Owners'), {}, USERS.otherAdmin.id);
    await db.pool.query('delete from client_members where user_id = any ($1)', [[departed, removed]]);

    const mine = await truth('owners', { userIds: [USERS.demoAdmin.id, departed!, removed!] });
    expect(mine).toHaveLength(15);
    for (const [name, paths] of Object.entries(PATHS)) {
      expect({ name, rows: await readAll(USERS.demoAdmin, 'owners', paths, { want: 4 }) }).toEqual({ name, rows: mine });
      expect({ name, rows: await readAll({ id: removed! }, 'owners', paths) }).toEqual({ name, rows: [] });
      expect({ name, rows: await readAll(USERS.otherAdmin, 'owners', paths) }).toEqual({ name, rows: [] });
      expect({ name, rows: await readAll(USERS.demoManager, 'owners', paths, { client: OTHER_CLIENT_ID }) }).toEqual({ name, rows: [] });
    }
    // Several ranges are never walked on a budget: the lookup answers.
    expect(await walk(USERS.demoAdmin, 'owners', 60_000)).toBeNull();
    expect(await walk(USERS.demoAdmin, 'owners', null, 4)).toEqual(mine.slice(0, 4));
    const counts = await as(db.pool, USERS.otherAdmin, async (c) => (await c.query(
      'select * from private.queue_list_search_counts($1, null, $2, false)', [DEMO_CLIENT_ID, 'owners'])).rows);
    expect(counts).toEqual([]);
  });
});

describe('which leads match', () => {
  it('is null exactly when more leads than the cap match, whichever exact scan the planner’s estimate picks', async () => {
    await createLeads(db.pool, 60, DEMO_CLIENT_ID, 'Dense');
    await db.pool.query('analyze leads');
    const ids = async (cap: number) => as(db.pool, USERS.demoManager, async (c) => (await c.query<{ ids: string[] | null }>(
      'select private.search_lead_ids($1, $2, $3) as ids', [DEMO_CLIENT_ID, 'dense', cap])).rows[0]!.ids);
    for (const cap of [0, 5, 59]) expect(await ids(cap)).toBeNull();
    for (const cap of [60, 61, 5_000]) expect(await ids(cap)).toHaveLength(60);
    expect(await as(db.pool, USERS.otherAdmin, async (c) => (await c.query<{ ids: string[] | null }>(
      'select private.search_lead_ids($1, $2, 5) as ids', [DEMO_CLIENT_ID, 'dense'])).rows[0]!.ids)).toEqual([]);
  });
});

describe('the scope of a search', () => {
  it('is the whole client for its manager (no owners needed), else the admin’s own items and their departed admins’', async () => {
    const [departed] = await createRunningAdmins(db.pool, 1);
    await db.pool.query('delete from client_members where user_id = $1', [departed]);
    const scope = (actor: Actor, client = DEMO_CLIENT_ID) => as(db.pool, actor, async (c) => (await c.query<{ everyone: boolean; owners: string[] }>(
      'select everyone, owners from private.list_scope($1)', [client])).rows[0]!);
    expect(await scope(USERS.demoManager)).toEqual({ everyone: true, owners: [] });
    const admin = await scope(USERS.demoAdmin);
    expect(admin.everyone).toBe(false);
    expect(admin.owners).toEqual(expect.arrayContaining([USERS.demoAdmin.id, departed!]));
    // Earlier tests' departed admins are there too; every owner but the caller has left the client.
    const members = await db.pool.query<{ user_id: string }>('select user_id from client_members where client_id = $1 and user_id = any ($2)', [DEMO_CLIENT_ID, admin.owners]);
    expect(members.rows.map((row) => row.user_id)).toEqual([USERS.demoAdmin.id]);
    expect(await scope(USERS.otherAdmin)).toEqual({ everyone: false, owners: [] });
    expect(await scope(USERS.demoManager, OTHER_CLIENT_ID)).toEqual({ everyone: false, owners: [] });
  });
});

describe('pg_trgm’s estimate of a term', () => {
  it('is the owner’s for any member of the client (the leads policy is no filter to it) and 0 for anyone else', async () => {
    await createLeads(db.pool, 60, DEMO_CLIENT_ID, 'Dense');
    await db.pool.query('analyze leads');
    const { rows } = await db.pool.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `explain (format json) select 1 from leads l where l.client_id = $1 and l.search_key like '%dense%'`, [DEMO_CLIENT_ID]);
    const owners = rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'];
    expect(owners).toBeGreaterThan(30);
    const estimate = (actor: Actor, client = DEMO_CLIENT_ID) => as(db.pool, actor, async (c) => Number((await c.query<{ n: string }>(
      'select private.lead_estimate($1, $2) as n', [client, 'Dense'])).rows[0]!.n));
    expect(await estimate(USERS.demoManager)).toBe(owners);
    expect(await estimate(USERS.demoAdmin)).toBe(owners);
    expect(await estimate(USERS.otherAdmin)).toBe(0);
    expect(await estimate(USERS.demoManager, OTHER_CLIENT_ID)).toBe(0);
  });
});

describe('private.queue_list_keys', () => {
  it('follows items in and out, an owner change, a deleted lead, and a renamed lead, which is found under its new name at once', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const leads = await createLeads(db.pool, 8, DEMO_CLIENT_ID, 'Oldname');
    const mine = [...(await insertItems(db.pool, leads.slice(0, 4))), ...(await insertItems(db.pool, leads.slice(4, 5), { status: 'sent' })), ...(await insertItems(db.pool, leads.slice(5, 6)))];
    const theirs = await insertItems(db.pool, leads.slice(6), {}, second!);
    await db.pool.query('delete from whatsapp_message_queue where id = $1', [mine[5]]);
    await db.pool.query('delete from client_members where user_id = $1', [second]);
    const taken = await as(db.pool, USERS.demoAdmin, async (c) => (await c.query<{ n: number }>('select take_over_queue_items($1) as n', [[theirs[0]]])).rows[0]!.n, { commit: true });
    expect(taken).toBe(1);
    await db.pool.query('delete from leads where id = $1', [leads[4]]);
    expect(await keysOutOfStep()).toEqual([]);

    // Renamed by the admin through the API's rights (the keys' trigger is the owner's).
    await as(db.pool, USERS.demoAdmin, (c) => c.query(`update leads set name = 'Newname 1', phone = '+972541234567' where id = $1`, [leads[0]]), { commit: true });
    expect(await keysOutOfStep()).toEqual([]);
    const renamed = await truth('newname');
    expect(renamed).toEqual([mine[0]]);
    for (const [name, paths] of Object.entries(PATHS)) {
      expect({ name, rows: await readAll(USERS.demoAdmin, 'Newname', paths) }).toEqual({ name, rows: renamed });
      expect({ name, rows: await readAll(USERS.demoAdmin, 'Oldname 1', paths) }).toEqual({ name, rows: await truth('oldname 1', { userIds: [USERS.demoAdmin.id] }) });
      expect({ name, rows: await readAll(USERS.demoManager, '054-1234567', paths) }).toEqual({ name, rows: renamed });
    }
    const page = await as(db.pool, USERS.demoManager, async (c) => (await c.query<{ id: string; lead_name: string }>(
      'select id, lead_name from queue_list_page($1, search => $2)', [DEMO_CLIENT_ID, 'newname'])).rows);
    expect(page).toEqual([{ id: mine[0], lead_name: 'Newname 1' }]);
  });
});
