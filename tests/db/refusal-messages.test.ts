import { describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createLeads } from '../support/queueItems.ts';
import { DEMO_CLIENT_ID, USERS } from '../support/seed.ts';
import { parseBackendMessage } from '../../src/lib/backendMessages.ts';

const db = withDatabase();

// The SPA never shows enqueue_leads' English words: it reads their numbers back and says them in the
// user's language. These are the words the database really raises.
describe('enqueue_leads words its warning and its refusal so the SPA can read the numbers back', () => {
  it('the daily-target warning and the capacity refusal', async () => {
    await db.pool.query('update user_queue_settings set daily_target = 1, max_capacity = 2 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'words');
    const warned = await as(db.pool, USERS.demoAdmin, async (c) => (await c.query('select enqueue_leads($1) as r', [leads.slice(0, 2)])).rows[0].r, { commit: true });
    expect(parseBackendMessage(warned.warning)).toEqual({ kind: 'dailyTarget', total: 2, target: 1 });
    const refused = await as(db.pool, USERS.demoAdmin, (c) => c.query('select enqueue_leads($1)', [leads.slice(2)])).catch((error: { code: string; message: string }) => error);
    expect(refused).toMatchObject({ code: 'LQ422' });
    expect(parseBackendMessage((refused as { message: string }).message)).toEqual({ kind: 'capacity', total: 3, capacity: 2 });
  });
});
