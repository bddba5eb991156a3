import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '@leads-queue/local-supabase';
import { actAs, withDatabase } from '../support/db.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { insertItems } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { countsTruth, listCounts, namedLeads, type Counts } from '../support/searchCounts.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

/** Every status a lead can hold at once: finished items of several owners, and at most one active item. */
async function itemsOfEveryStatus(leads: string[], owners: string[]): Promise<void> {
  const finished = ['sent', 'sent', 'failed', 'cancelled'];
  const active = ['pending', 'queued', 'processing'];
  for (const [index, status] of finished.entries()) {
    const owner = owners[index % owners.length]!;
    await insertItems(db.pool, leads.filter((_, n) => (n + index) % 3 !== 0), { status }, owner);
  }
  for (const [index, status] of active.entries()) {
    await insertItems(db.pool, leads.filter((_, n) => n % 4 === index), { status }, owners[index % owners.length]!);
  }
}

/**
 * public.queue_list_counts as `actor`, in a rolled-back transaction: as planned, or with sequential and bitmap scans off
 * so that the lookup reads an index, and then optionally without queue_lead_status_idx (the counts before it).
 */
async function countsOf(actor: Actor, term: string, plan: 'planned' | 'index' | 'without queue_lead_status_idx', client = DEMO_CLIENT_ID): Promise<Counts> {
  return inTransaction(db.pool, async (c: pg.PoolClient) => {
    if (plan !== 'planned') await c.query('set local enable_seqscan = off; set local enable_bitmapscan = off');
    if (plan === 'without queue_lead_status_idx') await c.query('drop index public.queue_lead_status_idx');
    await actAs(c, actor);
    return listCounts(c, client, term);
  }, { commit: false });
}

beforeEach(() => resetQueueState(db.pool));

describe('a search term’s counts by status', () => {
  it('are the same read from queue_lead_status_idx as before it, for broad, narrow, phone and Hebrew terms, every caller and a departed admin', async () => {
    const [second, departed] = await createRunningAdmins(db.pool, 2);
    const broad = await namedLeads(db.pool, 40, 'Tally', '+97250555');
    const hebrew = await namedLeads(db.pool, 6, 'דנה', '+97252777');
    await itemsOfEveryStatus(broad, [USERS.demoAdmin.id, second!, departed!]);
    await itemsOfEveryStatus(hebrew, [departed!, USERS.demoAdmin.id]);
    // Another client's leads of the same names and phones are never counted.
    const elsewhere = await namedLeads(db.pool, 40, 'Tally', '+97250555', OTHER_CLIENT_ID);
    await itemsOfEveryStatus(elsewhere, [USERS.otherAdmin.id]);
    await db.pool.query('delete from client_members where user_id = $1', [departed]);
    await db.pool.query('analyze whatsapp_message_queue, leads');

    const terms: [string, { name?: string; phone?: string }][] = [
      ['tally', { name: 'tally' }], // every lead of the fixture's 40
      ['Tally 1', { name: 'tally 1' }], // 11: 1, 10..19
      ['TALLY 37', { name: 'tally 37' }], // one
      ['050-5550012', { phone: '972505550012' }], // a phone as dialled: one
      ['+972 50 555', { phone: '97250555' }], // a phone's prefix: all 40
      ['דנה', { name: 'דנה' }],
      ['nobody', { name: 'nobody' }],
    ];
    const everyone = null;
    const demoAdmins = [USERS.demoAdmin.id, departed!];
    for (const [term, match] of terms) {
      const manager = await countsTruth(db.pool, match, everyone);
      const admin = await countsTruth(db.pool, match, demoAdmins);
      for (const plan of ['planned', 'index', 'without queue_lead_status_idx'] as const) {
        expect({ term, plan, counts: await countsOf(USERS.demoManager, term, plan) }).toEqual({ term, plan, counts: manager });
        expect({ term, plan, counts: await countsOf(USERS.demoAdmin, term, plan) }).toEqual({ term, plan, counts: admin });
        expect({ term, plan, counts: await countsOf({ id: second! }, term, plan) })
          .toEqual({ term, plan, counts: await countsOf({ id: second! }, term, 'without queue_lead_status_idx') });
        expect({ term, plan, counts: await countsOf(USERS.otherAdmin, term, plan) })
          .toEqual({ term, plan, counts: Object.fromEntries(Object.keys(manager).map((status) => [status, '0'])) });
      }
    }
    // The fixture is what the comparison needs: a broad term counts items of every status.
    expect(Object.values(await countsTruth(db.pool, { name: 'tally' }, everyone)).filter((items) => Number(items) > 0)).toHaveLength(6);
  });

  it('reads a manager’s lookup from queue_lead_status_idx, the client’s items of the leads and their status alone', async () => {
    const leads = await namedLeads(db.pool, 3_000, 'Many', '+97253111');
    await db.pool.query(
      `insert into whatsapp_message_queue (lead_id, client_id, user_id, status, processed_at)
       select l, $2, $3, s::queue_item_status, now() from unnest($1::uuid[]) l, unnest(array['sent', 'sent', 'failed']) s`,
      [leads, DEMO_CLIENT_ID, USERS.demoAdmin.id]);
    await db.pool.query('analyze whatsapp_message_queue');
    // The statement of private.queue_list_search_counts for a caller who sees the whole client.
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `explain (costs off) select q.status, count(*), count(*) from public.whatsapp_message_queue q
        where q.lead_id = any ((select $2)::uuid[]) and q.client_id = $1 group by q.status`,
      [DEMO_CLIENT_ID, leads.slice(0, 300)]);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain('Index Only Scan using queue_lead_status_idx');
    expect(await countsOf(USERS.demoManager, 'Many 1', 'planned')).toEqual(await countsTruth(db.pool, { name: 'many 1' }, null));
  });
});
