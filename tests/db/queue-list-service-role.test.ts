import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { insertItems } from '../support/queueItems.ts';
import { resetQueueState } from '../support/queueState.ts';
import { listCounts, namedLeads, type Counts } from '../support/searchCounts.ts';
import { DEMO_CLIENT_ID, USERS } from '../support/seed.ts';
import type { Actor } from '../support/roles.ts';

const db = withDatabase();

async function pageOf(actor: Actor, search: string | null): Promise<string[]> {
  return as(db.pool, actor, async (c) => {
    const { rows } = await c.query<{ id: string }>('select id from queue_list_page($1, null, $2, null, null, 50)', [DEMO_CLIENT_ID, search]);
    return rows.map((row) => row.id);
  });
}

async function countsOf(actor: Actor, search: string | null): Promise<Counts> {
  return as(db.pool, actor, async (c) => {
    return listCounts(c, DEMO_CLIENT_ID, search);
  });
}

beforeEach(() => resetQueueState(db.pool));

describe('the service role’s search of the queue list', () => {
  it('answers the client’s items, as the manager’s search does, for a name term, a phone term and no term (and its page without a term holds every admin’s items)', async () => {
    const leads = await namedLeads(db.pool, 12, 'Quill', '+97254444');
    await insertItems(db.pool, leads.slice(0, 5), { status: 'sent' });
    await insertItems(db.pool, leads.slice(3, 12), { status: 'pending' });
    for (const term of ['quill 1', 'Quill', '544440007', null]) {
      const counts = await countsOf('service_role', term);
      expect(counts, `counts of ${term}`).toEqual(await countsOf(USERS.demoManager, term));
      expect(await pageOf('service_role', term), `page of ${term}`).toEqual(await pageOf(USERS.demoManager, term));
    }
    // 'quill 1' is Quill 1, 10, 11 and 12: Quill 1's sent item and the other three's pending ones.
    const counts = await countsOf('service_role', 'quill 1');
    expect([counts.sent, counts.pending]).toEqual(['1', '3']);
    expect(await pageOf('service_role', 'quill 1')).toHaveLength(4);
    expect(await pageOf('service_role', null)).toHaveLength(14);
  });

  it('still answers nothing to an admin of another client', async () => {
    const leads = await namedLeads(db.pool, 3, 'Quill', '+97254445');
    await insertItems(db.pool, leads, { status: 'pending' });
    expect(await pageOf(USERS.otherAdmin, 'quill')).toEqual([]);
    expect(Object.values(await countsOf(USERS.otherAdmin, 'quill')).every((items) => items === '0')).toBe(true);
  });
});
