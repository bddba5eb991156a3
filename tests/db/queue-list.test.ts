import { beforeEach, describe, expect, it } from 'vitest';
import { as, sqlstate, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

interface Row {
  id: string;
  status: string;
  created_at: string;
  lead_name: string | null;
  lead_phone: string | null;
}

interface Cursor {
  created_at: string;
  id: string;
}

// created_at as text keeps its microseconds: the cursor must name the exact key the server sorted on.
async function page(actor: Actor, options: { status?: string; search?: string; after?: Cursor | null; size?: number; client?: string } = {}): Promise<Row[]> {
  return as(db.pool, actor, async (client) => (await client.query<Row>(
    `select id, status::text, created_at::text, lead_name, lead_phone
       from queue_list_page($1, $2::queue_item_status, $3, $4::timestamptz, $5::uuid, $6)`,
    [options.client ?? DEMO_CLIENT_ID, options.status ?? null, options.search ?? null, options.after?.created_at ?? null, options.after?.id ?? null, options.size ?? 50],
  )).rows);
}

async function counts(actor: Actor, search: string | null = null, client = DEMO_CLIENT_ID): Promise<Record<string, number>> {
  const rows = await as(db.pool, actor, async (c) => (await c.query<{ status: string; items: string }>('select status::text, items::text from queue_list_counts($1, $2)', [client, search])).rows);
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.items)]));
}

async function realCounts(client = DEMO_CLIENT_ID, userId?: string): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ status: string; n: string }>(
    `select s::text as status, (select count(*) from whatsapp_message_queue q where q.client_id = $1 and q.status = s and ($2::uuid is null or q.user_id = $2))::text as n
       from unnest(enum_range(null::queue_item_status)) s`,
    [client, userId ?? null],
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

async function items(count: number, spec: Parameters<typeof insertItems>[2] = {}, userId: string = USERS.demoAdmin.id, prefix = 'list'): Promise<string[]> {
  const client = userId === USERS.otherAdmin.id ? OTHER_CLIENT_ID : DEMO_CLIENT_ID;
  return insertItems(db.pool, await createLeads(db.pool, count, client, prefix), spec, userId);
}

/** Reads every page after `first` (its last row is the cursor), calling `between` before each further page. */
async function readOn(actor: Actor, first: Row[], options: { status?: string; search?: string; client?: string; size: number }, between: (n: number) => Promise<void>): Promise<Row[]> {
  const seen = [...first];
  let last = first.at(-1);
  for (let n = 1; last; n += 1) {
    await between(n);
    const next = await page(actor, { ...options, after: last });
    seen.push(...next);
    last = next.length === options.size ? next.at(-1) : undefined;
  }
  return seen;
}

beforeEach(() => resetQueueState(db.pool));

describe('queue_list_page', () => {
  it('pages newest first and never skips or repeats a row while items are added, cancelled and sent between pages', async () => {
    // One statement: 230 items share one created_at, so the id alone orders them (the tiebreaker is what is tested).
    const older = await items(230);
    const first = await page(USERS.demoAdmin, { size: 40 });
    expect(first).toHaveLength(40);
    const seen = await readOn(USERS.demoAdmin, first, { size: 40 }, async (n) => {
      await items(7, {}, USERS.demoAdmin.id, `new-${n}`);
      await db.pool.query(`update whatsapp_message_queue set status = 'cancelled' where id = any($1) and status = 'pending'`, [older.slice(n * 20, n * 20 + 5)]);
      await db.pool.query(`update whatsapp_message_queue set status = 'processing', locked_by = 'w', locked_until = now() + interval '1 minute' where id = $1`, [older[n * 31]]);
    });
    const ids = seen.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(older));
    const keys = seen.map((row) => `${row.created_at} ${row.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    // The new items come first on a fresh first page.
    expect((await page(USERS.demoAdmin, { size: 5 })).every((row) => !older.includes(row.id))).toBe(true);
  });

  it('a status tab pages on through items leaving it: every item still pending at the end is listed exactly once', async () => {
    const older = await items(120);
    await items(60, { status: 'sent' }, USERS.demoAdmin.id, 'sent');
    const first = await page(USERS.demoAdmin, { status: 'pending', size: 25 });
    const seen = await readOn(USERS.demoAdmin, first, { status: 'pending', size: 25 }, async (n) => {
      await db.pool.query(`update whatsapp_message_queue set status = 'cancelled' where id = any($1)`, [older.slice(n * 10, n * 10 + 3)]);
    });
    const ids = seen.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.every((row) => row.status === 'pending')).toBe(true);
    const { rows } = await db.pool.query<{ id: string }>(`select id from whatsapp_message_queue where status = 'pending'`);
    for (const { id } of rows) expect(ids).toContain(id);
  });

  it('finds leads by a phone typed in any common format and by any part of the name, Hebrew too', async () => {
    const [dana, avi, percent] = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'search');
    await db.pool.query(`update leads set name = 'דנה כהן', phone = '+972501234567' where id = $1`, [dana]);
    await db.pool.query(`update leads set name = 'Avi Ben-David', phone = '+972529876543' where id = $1`, [avi]);
    await db.pool.query(`update leads set name = '100% Real_Estate' where id = $1`, [percent]);
    await insertItems(db.pool, [dana!, avi!, percent!]);
    await items(20);
    const names = async (search: string) => (await page(USERS.demoAdmin, { search })).map((row) => row.lead_name);
    for (const typed of ['050-1234567', '0501234567', '+972 50 123 4567', '(050) 123-4567', '00972501234567', '1234567']) {
      expect(await names(typed), typed).toEqual(['דנה כהן']);
    }
    expect(await names('נה כ')).toEqual(['דנה כהן']);
    expect(await names('ben-dav')).toEqual(['Avi Ben-David']);
    expect(await names('AVI')).toEqual(['Avi Ben-David']);
    // LIKE's wildcards are letters like any other.
    expect(await names('0% r')).toEqual(['100% Real_Estate']);
    expect(await names('l_e')).toEqual(['100% Real_Estate']);
    expect(await names('% r')).toEqual(['100% Real_Estate']);
    expect(await names('nobody')).toEqual([]);
    expect(await counts(USERS.demoAdmin, '050-1234567')).toMatchObject({ pending: 1, sent: 0 });
  });

  it('refuses a half cursor, a page size out of range and a search over 100 characters', async () => {
    const bad = (sql: string) => sqlstate(as(db.pool, USERS.demoAdmin, (client) => client.query(sql, [DEMO_CLIENT_ID])));
    expect(await bad(`select * from queue_list_page($1, after_created_at => now())`)).toBe('22023');
    expect(await bad(`select * from queue_list_page($1, page_size => 0)`)).toBe('22023');
    expect(await bad(`select * from queue_list_page($1, page_size => 500)`)).toBe('22023');
    expect(await bad(`select * from queue_list_page($1, search => repeat('a', 101))`)).toBe('22023');
    expect(await bad(`select * from queue_list_counts($1, repeat('a', 101))`)).toBe('22023');
    // Under 3 characters no trigram narrows the search: refused, and the search box says so before asking.
    expect(await bad(`select * from queue_list_page($1, search => ' דנ ')`)).toBe('22023');
    expect(await bad(`select * from queue_list_counts($1, 'ab')`)).toBe('22023');
    await expect(as(db.pool, USERS.demoAdmin, (client) => client.query(`select * from queue_list_page($1, search => '05')`, [DEMO_CLIENT_ID])))
      .rejects.toMatchObject({ detail: 'search_too_short' });
    expect(await sqlstate(as(db.pool, 'anon', (client) => client.query('select * from queue_list_page($1)', [DEMO_CLIENT_ID])))).toBe('42501');
  });
});

describe('a broad search (over 5,000 matching leads: the list is walked, not looked up)', () => {
  it('pages and counts exactly the matching items the caller may read, an admin theirs, a manager the client’s', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const leads = await createLeads(db.pool, 5_001, DEMO_CLIENT_ID, 'Broad');
    const mine = [...(await insertItems(db.pool, leads.slice(0, 210))), ...(await insertItems(db.pool, leads.slice(210, 220), { status: 'sent' }))];
    const theirs = await insertItems(db.pool, leads.slice(220, 225), {}, second!);
    const other = await insertItems(db.pool, await createLeads(db.pool, 3, OTHER_CLIENT_ID, 'Broad'), {}, USERS.otherAdmin.id);
    await items(4, {}, USERS.demoAdmin.id, 'unmatched');
    const readAll = async (actor: Actor, search: string, client?: string) => {
      const first = await page(actor, { search, size: 40, client });
      return readOn(actor, first, { size: 40, search, client }, async () => {});
    };
    const adminRows = await readAll(USERS.demoAdmin, 'broad');
    expect(adminRows.map((row) => row.id).sort()).toEqual([...mine].sort());
    expect(adminRows.every((row) => row.lead_name?.startsWith('Broad '))).toBe(true);
    const keys = adminRows.map((row) => `${row.created_at} ${row.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect((await readAll(USERS.demoManager, 'BROAD')).map((row) => row.id).sort()).toEqual([...mine, ...theirs].sort());
    expect(await readAll(USERS.otherAdmin, 'broad')).toEqual([]);
    expect((await readAll(USERS.otherAdmin, 'broad', OTHER_CLIENT_ID)).map((row) => row.id).sort()).toEqual([...other].sort());
    // The counts look at the caller's newest 1,000 items: all of the admin's 224 fit, so each count is exact.
    const walkedCounts = async () => as(db.pool, USERS.demoAdmin, async (c) => (await c.query<{ status: string; items: string; capped: boolean }>(
      'select status::text, items::text, capped from queue_list_counts($1, $2)', [DEMO_CLIENT_ID, 'broad'])).rows);
    expect((await walkedCounts()).find((row) => row.status === 'pending')).toEqual({ status: 'pending', items: '210', capped: false });
    expect((await walkedCounts()).find((row) => row.status === 'sent')).toEqual({ status: 'sent', items: '10', capped: false });
    // 1,000 newer unmatched items push the matches out of the window: what it saw is a lower bound, marked capped.
    await items(1_000, {}, USERS.demoAdmin.id, 'newer');
    expect((await walkedCounts()).find((row) => row.status === 'pending')).toEqual({ status: 'pending', items: '0', capped: true });
    expect((await walkedCounts()).find((row) => row.status === 'sent')).toEqual({ status: 'sent', items: '0', capped: true });
    expect(await counts(USERS.otherAdmin, 'broad', OTHER_CLIENT_ID)).toMatchObject({ pending: 3 });
    expect(await counts(USERS.otherAdmin, 'broad')).toMatchObject({ pending: 0, sent: 0 });
    // A narrower term of the same leads (1,111 of them) is looked up, and agrees with the walk.
    const narrow = await readAll(USERS.demoManager, 'Broad 1');
    expect(narrow.map((row) => row.id).sort()).toEqual((await db.pool.query<{ id: string }>(
      `select q.id from whatsapp_message_queue q join leads l on l.id = q.lead_id where q.client_id = $1 and lower(l.name) like '%broad 1%' order by q.id`, [DEMO_CLIENT_ID])).rows.map((r) => r.id));
    expect(await counts(USERS.demoManager, 'Broad 1')).toMatchObject({ pending: narrow.filter((row) => row.status === 'pending').length, sent: narrow.filter((row) => row.status === 'sent').length });
  });
});

describe('the broad walk and the narrow lookup at the threshold (5,000 matching leads)', () => {
  it('list the same rows in the same order on both sides, and count them alike; no caller sees another client’s', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const leads = await createLeads(db.pool, 5_001, DEMO_CLIENT_ID, 'Edge');
    const mine = [...(await insertItems(db.pool, leads.slice(0, 150))), ...(await insertItems(db.pool, leads.slice(150, 170), { status: 'sent' }))];
    const theirs = await insertItems(db.pool, leads.slice(170, 180), {}, second!);
    const other = await insertItems(db.pool, await createLeads(db.pool, 5_001, OTHER_CLIENT_ID, 'Edge'), {}, USERS.otherAdmin.id);
    await items(3, {}, USERS.demoAdmin.id, 'unmatched');
    const readAll = async (actor: Actor, search: string, client?: string, status?: string) => {
      const first = await page(actor, { search, size: 60, client, status });
      return readOn(actor, first, { size: 60, search, client, status }, async () => {});
    };
    const truth = async (userId: string | null, client = DEMO_CLIENT_ID) => (await db.pool.query<{ id: string }>(
      `select q.id from whatsapp_message_queue q join leads l on l.id = q.lead_id
        where q.client_id = $1 and ($2::uuid is null or q.user_id = $2) and lower(l.name) like '%edge%'
        order by q.created_at desc, q.id desc`, [client, userId])).rows.map((r) => r.id);
    const broad = async () => as(db.pool, USERS.demoManager, async (c) =>
      (await c.query<{ broad: boolean }>('select private.matching_lead_ids($1, $2) is null as broad', [DEMO_CLIENT_ID, 'edge'])).rows[0]?.broad);
    const sides = async () => ({
      admin: (await readAll(USERS.demoAdmin, 'edge')).map((row) => row.id),
      manager: (await readAll(USERS.demoManager, 'EDGE')).map((row) => row.id),
      pending: (await readAll(USERS.demoManager, 'edge', undefined, 'pending')).map((row) => row.id),
      counts: await counts(USERS.demoManager, 'edge'),
    });
    expect(await broad()).toBe(true);
    const walked = await sides();
    // One matching lead without items goes: 5,000 matches are looked up, not walked.
    await db.pool.query('delete from leads where id = $1', [leads[5_000]]);
    expect(await broad()).toBe(false);
    const lookedUp = await sides();
    expect(walked).toEqual(lookedUp);
    expect(walked.admin).toEqual(await truth(USERS.demoAdmin.id));
    expect(walked.manager).toEqual(await truth(null));
    expect([...walked.manager].sort()).toEqual([...mine, ...theirs].sort());
    expect(walked.pending.length).toBe(160);
    expect(walked.counts).toMatchObject({ pending: 160, sent: 20 });
    // Another client's matching items never show, asked for either client.
    for (const actor of [USERS.demoAdmin, USERS.demoManager]) {
      expect(await readAll(actor, 'edge', OTHER_CLIENT_ID)).toEqual([]);
      expect(await counts(actor, 'edge', OTHER_CLIENT_ID)).toMatchObject({ pending: 0, sent: 0 });
    }
    const otherRows = (await readAll(USERS.otherAdmin, 'edge', OTHER_CLIENT_ID)).map((row) => row.id);
    expect(otherRows).toEqual(await truth(USERS.otherAdmin.id, OTHER_CLIENT_ID));
    expect([...otherRows].sort()).toEqual([...other].sort());
    expect(await readAll(USERS.otherAdmin, 'edge')).toEqual([]);
  });
});

describe('queue_list_counts under RLS', () => {
  it('an admin counts only their items, a manager the client’s, another client’s admin nothing of it; the kept counts equal a real count', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    await items(12);
    const failed = await items(3, { status: 'failed' });
    await items(5, {}, second!, 'second');
    await items(4, {}, USERS.otherAdmin.id, 'other');
    await db.pool.query(`update whatsapp_message_queue set status = 'pending' where id = $1`, [failed[0]]);
    await db.pool.query(`delete from whatsapp_message_queue where id = $1`, [failed[1]]);

    expect(await counts(USERS.demoAdmin)).toEqual(await realCounts(DEMO_CLIENT_ID, USERS.demoAdmin.id));
    expect(await counts(USERS.demoAdmin)).toMatchObject({ pending: 13, failed: 1 });
    expect(await counts(USERS.demoManager)).toEqual(await realCounts(DEMO_CLIENT_ID));
    expect(await counts(USERS.demoManager)).toMatchObject({ pending: 18, failed: 1 });
    expect(await counts(USERS.otherAdmin)).toMatchObject({ pending: 0, failed: 0 });
    expect(await counts(USERS.otherAdmin, null, OTHER_CLIENT_ID)).toMatchObject({ pending: 4 });
    // The pages follow the same policy.
    expect(await page(USERS.demoAdmin)).toHaveLength(14);
    expect(await page(USERS.demoManager)).toHaveLength(19);
    expect(await page(USERS.otherAdmin)).toHaveLength(0);
    expect(await page(USERS.demoManager, { search: 'second' })).toHaveLength(5);
    expect(await page(USERS.demoAdmin, { search: 'second' })).toHaveLength(0);
  });

  it('a departed admin’s items join the remaining admin’s list and counts', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const theirs = await items(6, {}, second!, 'departed');
    await items(2);
    expect(await counts(USERS.demoAdmin)).toMatchObject({ pending: 2 });
    await db.pool.query(`delete from client_members where user_id = $1`, [second]);
    expect(await counts(USERS.demoAdmin)).toMatchObject({ pending: 8 });
    const rows = await page(USERS.demoAdmin, { size: 5 });
    const rest = await page(USERS.demoAdmin, { size: 5, after: rows.at(-1) });
    expect(new Set([...rows, ...rest].map((row) => row.id))).toEqual(new Set([...theirs, ...(await db.pool.query<{ id: string }>(`select id from whatsapp_message_queue where user_id = $1`, [USERS.demoAdmin.id])).rows.map((r) => r.id)]));
  });

  it('keeps the counts right when concurrent statements move the same admin’s items', async () => {
    const ids = await items(200);
    await db.pool.query(`update whatsapp_message_queue set status = 'processing', locked_by = 'w', locked_until = now() + interval '1 minute' where id = any($1)`, [ids.slice(50, 120)]);
    await Promise.all([
      db.pool.query(`update whatsapp_message_queue set status = 'cancelled' where id = any($1)`, [ids.slice(0, 50)]),
      db.pool.query(`update whatsapp_message_queue set status = 'sent', locked_by = null, locked_until = null, processed_at = now() where id = any($1)`, [ids.slice(50, 120)]),
      items(30, {}, USERS.demoAdmin.id, 'concurrent'),
      db.pool.query(`delete from whatsapp_message_queue where id = any($1)`, [ids.slice(120, 130)]),
    ]);
    expect(await counts(USERS.demoAdmin)).toEqual(await realCounts(DEMO_CLIENT_ID, USERS.demoAdmin.id));
    expect(await counts(USERS.demoAdmin)).toMatchObject({ pending: 100, cancelled: 50, sent: 70 });
  });
});
