import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { as, withDatabase } from '../support/db.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';
import { DEMO_CLIENT_ID, USERS } from '../support/seed.ts';

const db = withDatabase();
const SECOND_ADMIN = { id: 'a0000000-0000-4000-8000-0000000000a2', email: 'second@test.test', clientId: DEMO_CLIENT_ID, role: 'admin' } as const;

const COUNTS = ['depth', 'queued', 'processing', 'sent_24h', 'failed_24h'] as const;
type Counts = Record<(typeof COUNTS)[number], number>;

async function statusAs(actor: Parameters<typeof as>[1]) {
  return as(db.pool, actor, async (c) => ({
    total: (await c.query('select * from queue_status()')).rows[0] as Counts & { success_rate: string | null },
    admins: (await c.query('select * from queue_admin_status()')).rows as (Counts & { user_id: string; email: string | null; success_rate: string | null })[],
  }));
}

beforeAll(async () => {
  await db.pool.query(`insert into auth.users (id, email) values ($1, $2)`, [SECOND_ADMIN.id, SECOND_ADMIN.email]);
  await db.pool.query(`insert into client_members (client_id, user_id, role) values ($1, $2, 'admin')`, [DEMO_CLIENT_ID, SECOND_ADMIN.id]);
});

beforeEach(async () => {
  await db.pool.query('delete from whatsapp_message_queue');
});

describe('queue_admin_status: the dashboard numbers per admin', () => {
  it('gives a manager one row per admin of the client, adding up to queue_status()', async () => {
    const leads = await createLeads(db.pool, 16, DEMO_CLIENT_ID, 'per-admin');
    await insertItems(db.pool, leads.slice(0, 3));
    await insertItems(db.pool, leads.slice(3, 4), { status: 'queued' });
    await insertItems(db.pool, leads.slice(4, 7), { status: 'sent' });
    await insertItems(db.pool, leads.slice(7, 8), { status: 'failed' });
    // Finished more than 24 hours ago: outside every 24-hour number.
    await insertItems(db.pool, leads.slice(8, 9), { status: 'failed', processedAt: "now() - interval '25 hours'" });
    await insertItems(db.pool, leads.slice(9, 11), undefined, SECOND_ADMIN.id);
    await insertItems(db.pool, leads.slice(11, 12), { status: 'processing' }, SECOND_ADMIN.id);
    await insertItems(db.pool, leads.slice(12, 14), { status: 'failed' }, SECOND_ADMIN.id);
    await insertItems(db.pool, leads.slice(14, 16), { status: 'sent' }, SECOND_ADMIN.id);

    const { total, admins } = await statusAs(USERS.demoManager);
    expect(admins.map((row) => row.email)).toEqual(['test@test.test', SECOND_ADMIN.email]);
    expect(admins[0]).toMatchObject({ user_id: USERS.demoAdmin.id, depth: 3, queued: 1, processing: 0, sent_24h: 3, failed_24h: 1, success_rate: '75.0' });
    expect(admins[1]).toMatchObject({ user_id: SECOND_ADMIN.id, depth: 2, queued: 0, processing: 1, sent_24h: 2, failed_24h: 2, success_rate: '50.0' });
    for (const count of COUNTS) expect(admins.reduce((sum, row) => sum + row[count], 0), count).toBe(total[count]);
  });

  it('narrows to one client like queue_status(for_client)', async () => {
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'narrowed');
    await insertItems(db.pool, leads);
    const rows = await as(db.pool, USERS.demoManager, async (c) => ({
      demo: (await c.query('select * from queue_admin_status($1)', [DEMO_CLIENT_ID])).rows as (Counts & { client_id: string })[],
      total: (await c.query('select * from queue_status($1)', [DEMO_CLIENT_ID])).rows[0] as Counts,
    }));
    expect(rows.demo.every((row) => row.client_id === DEMO_CLIENT_ID)).toBe(true);
    expect(rows.demo.reduce((sum, row) => sum + row.depth, 0)).toBe(rows.total.depth);
  });

  it('gives an admin their own row only, with the same numbers as their queue_status()', async () => {
    const leads = await createLeads(db.pool, 4, DEMO_CLIENT_ID, 'own');
    await insertItems(db.pool, leads.slice(0, 2));
    await insertItems(db.pool, leads.slice(2), undefined, SECOND_ADMIN.id);
    const { total, admins } = await statusAs(USERS.demoAdmin);
    expect(admins).toEqual([expect.objectContaining({ user_id: USERS.demoAdmin.id, depth: 2 })]);
    expect(total.depth).toBe(2);
  });

  it('shows another client nothing of Demo', async () => {
    const leads = await createLeads(db.pool, 2, DEMO_CLIENT_ID, 'hidden');
    await insertItems(db.pool, leads);
    const { admins } = await statusAs(USERS.otherAdmin);
    expect(admins).toEqual([expect.objectContaining({ user_id: USERS.otherAdmin.id, depth: 0, sent_24h: 0 })]);
  });
});

describe('the failure-rate alert needs a sample', () => {
  const alerts = async () => as(db.pool, USERS.demoAdmin, async (c) => (await c.query('select code from queue_alerts()')).rows.map((r) => r.code as string));

  it('stays quiet on 1 failure out of 7 and on 19 finished, fires from 20 finished', async () => {
    const leads = await createLeads(db.pool, 20, DEMO_CLIENT_ID, 'sample');
    await insertItems(db.pool, leads.slice(0, 6), { status: 'sent' });
    await insertItems(db.pool, leads.slice(6, 7), { status: 'failed' });
    expect(await alerts()).not.toContain('failure_rate');
    await insertItems(db.pool, leads.slice(7, 15), { status: 'sent' });
    await insertItems(db.pool, leads.slice(15, 19), { status: 'failed' });
    expect(await alerts()).not.toContain('failure_rate'); // 5 of 19 finished
    await insertItems(db.pool, leads.slice(19), { status: 'failed' });
    expect(await alerts()).toContain('failure_rate'); // 6 of 20
  });

  it('counts the rejections queue-leads logs as business-hours violations', async () => {
    await db.pool.query(
      "insert into queue_audit_log (client_id, user_id, action, details) values ($1, $2, 'queue_rejected', '{\"code\":\"holiday\"}')",
      [DEMO_CLIENT_ID, USERS.demoAdmin.id],
    );
    expect(await alerts()).toContain('business_hours_violation');
  });
});
