import { beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createLeads } from '../support/queueItems.ts';
import { ALWAYS_OPEN, resetQueueState } from '../support/queueState.ts';
import { DEMO_CLIENT_ID, USERS } from '../support/seed.ts';
import { parseBackendMessage } from '../../src/lib/backendMessages.ts';

const db = withDatabase();
// Open at any hour: this test is about the words, not the window.
beforeEach(() => resetQueueState(db.pool, { ...ALWAYS_OPEN, daily_target: 1, max_capacity: 2 }));

// The SPA never shows enqueue_leads' English words: it reads their numbers back and says them in the
// user's language. These are the words the database really answers with.
describe('enqueue_leads words its warning and its refusal so the SPA can read the numbers back', () => {
  it('the daily-target warning and the capacity refusal', async () => {
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'words');
    const enqueue = (ids: string[]) =>
      as(db.pool, USERS.demoAdmin, async (c) => (await c.query('select enqueue_leads($1) as r', [ids])).rows[0].r, { commit: true });
    const warned = await enqueue(leads.slice(0, 2));
    expect(parseBackendMessage(warned.warning)).toEqual({ kind: 'dailyTarget', total: 2, target: 1 });
    const refused = await enqueue(leads.slice(2));
    expect(refused).toMatchObject({ code: 'capacity_exceeded' });
    expect(parseBackendMessage(refused.message)).toEqual({ kind: 'capacity', total: 3, capacity: 2 });
  });
});
