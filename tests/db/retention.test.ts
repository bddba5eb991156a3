import { describe, expect, it } from 'vitest';
import { as, sqlstate, withDatabase } from '../support/db.ts';
import { USERS } from '../support/seed.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';

const db = withDatabase();

describe('purge_expired_queue_items', () => {
  it('removes only finished items older than the admin’s retention_days', async () => {
    await db.pool.query('update user_queue_settings set retention_days = 30 where user_id = $1', [USERS.demoAdmin.id]);
    const leads = await createLeads(db.pool, 8, undefined, 'retention');
    const old = "now() - interval '31 days'";
    const recent = "now() - interval '29 days'";
    const [oldSent] = await insertItems(db.pool, [leads[0]!], { status: 'sent', processedAt: old });
    const [oldFailed] = await insertItems(db.pool, [leads[1]!], { status: 'failed', processedAt: old });
    const [oldCancelled] = await insertItems(db.pool, [leads[2]!], { status: 'cancelled' });
    await db.pool.query(`update whatsapp_message_queue set updated_at = ${old} where id = $1`, [oldCancelled]);
    // The guard trigger stamps updated_at; set it back with the trigger off, as an old row would be.
    await db.pool.query('alter table whatsapp_message_queue disable trigger whatsapp_message_queue_guard');
    await db.pool.query(`update whatsapp_message_queue set updated_at = ${old} where id = $1`, [oldCancelled]);
    await db.pool.query('alter table whatsapp_message_queue enable trigger whatsapp_message_queue_guard');
    const [recentSent] = await insertItems(db.pool, [leads[3]!], { status: 'sent', processedAt: recent });
    const [oldPending] = await insertItems(db.pool, [leads[4]!], { scheduledFor: old });
    const [oldProcessing] = await insertItems(db.pool, [leads[5]!], { status: 'processing', scheduledFor: old });

    const { rows } = await db.pool.query('select purge_expired_queue_items() n');
    expect(rows[0].n.items).toBe(3);
    const left = (await db.pool.query('select id from whatsapp_message_queue')).rows.map((r) => r.id);
    expect(left).toEqual(expect.arrayContaining([recentSent, oldPending, oldProcessing]));
    expect(left).not.toContain(oldSent);
    expect(left).not.toContain(oldFailed);
    expect(left).not.toContain(oldCancelled);
  });
});

describe('the daily purge bounds the audit log', () => {
  it('drops audit rows past the client’s retention (the longest of its admins’), and old callback receipts', async () => {
    const { rows: [client] } = await db.pool.query<{ id: string }>("insert into clients (name) values ('Retained Ltd') returning id");
    const admins = await db.pool.query<{ id: string }>(
      "insert into auth.users (id, email) values (gen_random_uuid(), 'keep-a@test.test'), (gen_random_uuid(), 'keep-b@test.test') returning id");
    for (const { id } of admins.rows) await db.pool.query("insert into client_members (client_id, user_id, role) values ($1, $2, 'admin')", [client!.id, id]);
    await db.pool.query('update user_queue_settings set retention_days = 30 where client_id = $1', [client!.id]);
    await db.pool.query('update user_queue_settings set retention_days = 45 where client_id = $1 and user_id = $2', [client!.id, admins.rows[0]!.id]);
    const audit = async (client: string, daysAgo: number) =>
      (await db.pool.query<{ id: string }>(
        `insert into queue_audit_log (client_id, action, created_at) values ($1, 'note', now() - make_interval(days => $2)) returning id`,
        [client, daysAgo])).rows[0]!.id;
    const kept = await audit(client!.id, 40);
    const dropped = await audit(client!.id, 46);
    // The demo client keeps the default 30 days.
    const demoOld = await audit(USERS.demoAdmin.clientId, 31);
    const demoRecent = await audit(USERS.demoAdmin.clientId, 29);
    await db.pool.query(`insert into private.agent_event_receipts (webhook_id, event, received_at) values
      ('old-receipt', 'lead_replied', now() - interval '31 days'), ('new-receipt', 'lead_replied', now())`);

    const { rows } = await db.pool.query('select purge_expired_queue_items() n');
    expect(rows[0].n.audit_rows).toBeGreaterThanOrEqual(2);
    expect(rows[0].n.receipts).toBe(1);
    const left = (await db.pool.query('select id from queue_audit_log where id = any($1)', [[kept, dropped, demoOld, demoRecent]])).rows.map((r) => r.id);
    expect(left.sort()).toEqual([kept, demoRecent].sort());
    const receipts = await db.pool.query('select webhook_id from private.agent_event_receipts');
    expect(receipts.rows).toEqual([{ webhook_id: 'new-receipt' }]);
  });

  it('is the only way rows leave the log: the service role cannot delete them, and only it may run the purge', async () => {
    expect(await sqlstate(as(db.pool, 'service_role', (c) => c.query('delete from queue_audit_log')))).toBe('42501');
    expect(await sqlstate(as(db.pool, USERS.demoAdmin, (c) => c.query('select purge_expired_queue_items()')))).toBe('42501');
  });
});

describe('deleting a tenant or a user', () => {
  it('a deleted client takes its audit trail along; a deleted user leaves the trail without their id', async () => {
    const { rows: [client] } = await db.pool.query<{ id: string }>("insert into clients (name) values ('Gone Ltd') returning id");
    const { rows: [user] } = await db.pool.query<{ id: string }>(
      "insert into auth.users (id, email) values (gen_random_uuid(), 'gone@test.test') returning id",
    );
    await db.pool.query("insert into client_members (client_id, user_id, role) values ($1, $2, 'admin')", [client!.id, user!.id]);
    const [lead] = await createLeads(db.pool, 1, client!.id, 'gone');
    await db.pool.query(
      "insert into whatsapp_message_queue (lead_id, client_id, user_id) values ($1, $2, $3)",
      [lead, client!.id, user!.id],
    );
    const survivor = await db.pool.query<{ id: string }>(
      "insert into queue_audit_log (client_id, user_id, action) values ($1, $2, 'note') returning id",
      [USERS.demoAdmin.clientId, user!.id],
    );
    const trail = async () => (await db.pool.query('select count(*)::int n from queue_audit_log where client_id = $1', [client!.id])).rows[0].n;
    expect(await trail()).toBeGreaterThan(0);

    await db.pool.query('delete from auth.users where id = $1', [user!.id]);
    const kept = await db.pool.query('select user_id from queue_audit_log where id = $1', [survivor.rows[0]!.id]);
    expect(kept.rows).toEqual([{ user_id: null }]);

    await db.pool.query('delete from clients where id = $1', [client!.id]);
    expect(await trail()).toBe(0);
  });
});
