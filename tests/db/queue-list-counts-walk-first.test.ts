import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '@leads-queue/local-supabase';
import { claimsFor, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { insertItems } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { DEMO_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

type Counts = Record<string, string>;

/** Leads of the Demo client named `${prefix} n` (n = 1..count) with phones `${phonePrefix}` + n on 4 digits. */
async function namedLeads(count: number, prefix: string, phonePrefix: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into leads (client_id, name, phone)
     select $1, $2 || ' ' || n, $3 || lpad(n::text, 4, '0') from generate_series(1, $4) n order by n returning id`,
    [DEMO_CLIENT_ID, prefix, phonePrefix, count]);
  return rows.map((row) => row.id);
}

/** The backend's calls of the functions so far (pending counts, which may include earlier transactions'). */
async function calls(c: pg.PoolClient): Promise<Record<string, number>> {
  const { rows } = await c.query<{ funcname: string; calls: string }>(
    `select funcname, calls::text from pg_stat_xact_user_functions
      where schemaname = 'private' and funcname in ('search_lead_ids', 'owner_keys_counts')`);
  return Object.fromEntries(rows.map((row) => [row.funcname, Number(row.calls)]));
}

/**
 * public.queue_list_counts as `actor` in a rolled-back transaction, and how often it called the private functions that
 * find the leads (search_lead_ids) and walk one owner's keys (owner_keys_counts): track_functions counts the calls of the
 * transaction (pg_stat_xact_user_functions, before and after the call), read as the superuser.
 */
async function countsOf(actor: Actor, term: string): Promise<{ counts: Counts; calls: Record<string, number> }> {
  return inTransaction(db.pool, async (c: pg.PoolClient) => {
    // Read only, as the gateway runs a stable function (the EXPLAIN ANALYZE inside must be allowed there).
    await c.query('set transaction read only');
    await c.query(`set local track_functions = 'all'`);
    const before = await calls(c);
    const claims = claimsFor(actor);
    await c.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('search_path', 'public, extensions', true)`,
      [String(claims.role), JSON.stringify(claims)]);
    const { rows } = await c.query<{ status: string; items: string; capped: boolean }>(
      'select status::text, items::text, capped from queue_list_counts($1, $2)', [DEMO_CLIENT_ID, term]);
    await c.query('reset role');
    const after = await calls(c);
    return {
      counts: Object.fromEntries(rows.map((row) => [row.status, `${row.items}${row.capped ? '+' : ''}`])),
      calls: Object.fromEntries(['search_lead_ids', 'owner_keys_counts'].map((name) =>
        [name, (after[name] ?? 0) - (before[name] ?? 0)])),
    };
  }, { commit: false });
}

/** The same counts by a direct query (superuser): the Demo client's items of `owners` (all when null) whose lead matches. */
async function truth(term: { name?: string; phone?: string }, owners: string[] | null): Promise<Counts> {
  const { rows } = await db.pool.query<{ status: string; items: string }>(
    `select s.status::text, count(q.id)::text as items
       from unnest(enum_range(null::queue_item_status)) s(status)
       left join (whatsapp_message_queue q join leads l on l.id = q.lead_id)
              on q.status = s.status and q.client_id = $1 and ($2::uuid[] is null or q.user_id = any ($2))
             and (lower(l.name) like '%' || $3 || '%' or l.phone like '%' || $4 || '%')
      group by s.status order by s.status`,
    [DEMO_CLIENT_ID, owners, term.name ?? null, term.phone ?? null]);
  return Object.fromEntries(rows.map((row) => [row.status, row.items]));
}

beforeEach(() => resetQueueState(db.pool));

describe('an admin’s counts of a search', () => {
  it('walk the admin’s own entries without finding the leads when the term names many leads beside the admin’s items, with the same counts', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const tally = await namedLeads(60, 'Tally', '+97250555');
    const others = await namedLeads(20, 'Other', '+97252777');
    for (const [index, status] of ['sent', 'sent', 'failed', 'cancelled', 'pending'].entries()) {
      await insertItems(db.pool, tally.filter((_, n) => (n + index) % 3 !== 0 && (status !== 'pending' || n % 2 === 0)), { status });
      await insertItems(db.pool, tally.filter((_, n) => (n + index) % 4 === 0 && (status !== 'pending' || n % 2 === 1)), { status }, second!);
    }
    await insertItems(db.pool, others, { status: 'sent' });
    await db.pool.query('analyze whatsapp_message_queue, leads');

    const admin = await countsOf(USERS.demoAdmin, 'tally');
    expect(admin.counts).toEqual(await truth({ name: 'tally' }, [USERS.demoAdmin.id]));
    expect(admin.calls).toEqual({ search_lead_ids: 0, owner_keys_counts: 1 });
    // The fixture is what the check needs: the admin's items of several statuses match, and not all of theirs do.
    expect(Object.values(admin.counts).filter((items) => Number(items) > 0).length).toBeGreaterThanOrEqual(4);
    expect(Object.values(admin.counts).some((items) => items.endsWith('+'))).toBe(false);

    // A manager sees the whole client and finds the leads as before; so does a term the estimate takes for narrow.
    const manager = await countsOf(USERS.demoManager, 'tally');
    expect(manager.counts).toEqual(await truth({ name: 'tally' }, null));
    expect(manager.calls).toEqual({ search_lead_ids: 1, owner_keys_counts: 0 });
    for (const [term, match] of [['Tally 37', { name: 'tally 37' }], ['050-5550012', { phone: '972505550012' }], ['+972 50 555', { phone: '97250555' }],
      ['other', { name: 'other' }], ['nobody', { name: 'nobody' }]] as const) {
      expect({ term, counts: (await countsOf(USERS.demoAdmin, term)).counts }).toEqual({ term, counts: await truth(match, [USERS.demoAdmin.id]) });
      expect({ term, counts: (await countsOf({ id: second! }, term)).counts }).toEqual({ term, counts: await truth(match, [second!]) });
    }
  });

  it('find the leads first when the term names more than 5,000 of them, so a broad term stays capped ("N+")', async () => {
    const wide = await namedLeads(5_050, 'Wide', '+97253111');
    await insertItems(db.pool, wide.slice(0, 1_200), { status: 'sent' });
    await db.pool.query('analyze whatsapp_message_queue, leads');
    const admin = await countsOf(USERS.demoAdmin, 'wide');
    expect(admin.calls).toEqual({ search_lead_ids: 1, owner_keys_counts: 0 });
    // The newest 1,000 of the admin's 1,200 items were read, all of them matching.
    expect(admin.counts['sent']).toBe('1000+');
  });
});
