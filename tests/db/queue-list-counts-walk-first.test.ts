import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '@leads-queue/local-supabase';
import { actAs, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { insertItems } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { countsTruth, listCounts, namedLeads, type Counts } from '../support/searchCounts.ts';
import { DEMO_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

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
    await actAs(c, actor);
    const counts = await listCounts(c, DEMO_CLIENT_ID, term);
    await c.query('reset role');
    const after = await calls(c);
    return {
      counts,
      calls: Object.fromEntries(['search_lead_ids', 'owner_keys_counts'].map((name) =>
        [name, (after[name] ?? 0) - (before[name] ?? 0)])),
    };
  }, { commit: false });
}

beforeEach(() => resetQueueState(db.pool));

describe('an admin’s counts of a search', () => {
  it('walk the admin’s own entries without finding the leads when the term names many leads beside the admin’s items, with the same counts', async () => {
    const [second] = await createRunningAdmins(db.pool, 1);
    const tally = await namedLeads(db.pool, 60, 'Tally', '+97250555');
    const others = await namedLeads(db.pool, 20, 'Other', '+97252777');
    for (const [index, status] of ['sent', 'sent', 'failed', 'cancelled', 'pending'].entries()) {
      await insertItems(db.pool, tally.filter((_, n) => (n + index) % 3 !== 0 && (status !== 'pending' || n % 2 === 0)), { status });
      await insertItems(db.pool, tally.filter((_, n) => (n + index) % 4 === 0 && (status !== 'pending' || n % 2 === 1)), { status }, second!);
    }
    await insertItems(db.pool, others, { status: 'sent' });
    await db.pool.query('analyze whatsapp_message_queue, leads');

    const admin = await countsOf(USERS.demoAdmin, 'tally');
    expect(admin.counts).toEqual(await countsTruth(db.pool, { name: 'tally' }, [USERS.demoAdmin.id]));
    expect(admin.calls).toEqual({ search_lead_ids: 0, owner_keys_counts: 1 });
    // The fixture is what the check needs: the admin's items of several statuses match, and not all of theirs do.
    expect(Object.values(admin.counts).filter((items) => Number(items) > 0).length).toBeGreaterThanOrEqual(4);
    expect(Object.values(admin.counts).some((items) => items.endsWith('+'))).toBe(false);

    // A manager sees the whole client and finds the leads as before; so does a term the estimate takes for narrow.
    const manager = await countsOf(USERS.demoManager, 'tally');
    expect(manager.counts).toEqual(await countsTruth(db.pool, { name: 'tally' }, null));
    expect(manager.calls).toEqual({ search_lead_ids: 1, owner_keys_counts: 0 });
    for (const [term, match] of [['Tally 37', { name: 'tally 37' }], ['050-5550012', { phone: '972505550012' }], ['+972 50 555', { phone: '97250555' }],
      ['other', { name: 'other' }], ['nobody', { name: 'nobody' }]] as const) {
      expect({ term, counts: (await countsOf(USERS.demoAdmin, term)).counts }).toEqual({ term, counts: await countsTruth(db.pool, match, [USERS.demoAdmin.id]) });
      expect({ term, counts: (await countsOf({ id: second! }, term)).counts }).toEqual({ term, counts: await countsTruth(db.pool, match, [second!]) });
    }
  });

  it('find the leads first when the term names more than 5,000 of them, so a broad term stays capped ("N+")', async () => {
    const wide = await namedLeads(db.pool, 5_050, 'Wide', '+97253111');
    await insertItems(db.pool, wide.slice(0, 1_200), { status: 'sent' });
    await db.pool.query('analyze whatsapp_message_queue, leads');
    const admin = await countsOf(USERS.demoAdmin, 'wide');
    expect(admin.calls).toEqual({ search_lead_ids: 1, owner_keys_counts: 0 });
    // The newest 1,000 of the admin's 1,200 items were read, all of them matching.
    expect(admin.counts['sent']).toBe('1000+');
  });
});
