import { describe, expect, it } from 'vitest';
import { as, withDatabase, type Actor } from '../support/db.ts';
import { DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import { createLeads, insertItems, statusOf } from '../support/queueItems.ts';

const db = withDatabase();

describe('the batch path', () => {
  it('starts and completes a claimed batch in one statement each, only for the lease holder', async () => {
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'batch');
    await insertItems(db.pool, leads);
    const ids = (await db.pool.query("select id from claim_queue_batch('w', 3)")).rows.map((r) => r.id as string);
    expect(ids).toHaveLength(3);
    expect((await db.pool.query("select start_queue_items($1, 'intruder') id", [ids])).rows).toEqual([]);
    const started = (await db.pool.query("select start_queue_items($1, 'w') id", [ids])).rows.map((r) => r.id);
    expect(started.sort()).toEqual([...ids].sort());
    expect((await db.pool.query("select complete_queue_items($1, 'intruder', $2) id", [ids, ['a', 'b', 'c']])).rows).toEqual([]);
    const done = (await db.pool.query("select complete_queue_items($1, 'w', $2) id", [ids, ['t1', 't2', 't3']])).rows;
    expect(done).toHaveLength(3);
    for (const id of ids) expect(await statusOf(db.pool, id)).toBe('sent');
    const triggers = (await db.pool.query('select agent_trigger_id from whatsapp_message_queue where id = any($1) order by agent_trigger_id', [ids])).rows;
    expect(triggers.map((t) => t.agent_trigger_id)).toEqual(['t1', 't2', 't3']);
    const contacted = await db.pool.query('select count(*)::int n from leads where id = any($1) and last_contacted_at is not null', [leads]);
    expect(contacted.rows[0].n).toBe(3);
    const sent = await db.pool.query(
      "select sum(sent)::int n from queue_performance_metrics where user_id = $1 and hour = date_trunc('hour', now())", [USERS.demoAdmin.id]);
    expect(sent.rows[0].n).toBeGreaterThanOrEqual(3);
  });

  it('is service-role only', async () => {
    for (const sql of ["select start_queue_items('{}', 'w')", "select complete_queue_items('{}', 'w', '{}')"]) {
      await expect(as(db.pool, USERS.demoAdmin, (c) => c.query(sql))).rejects.toMatchObject({ code: '42501' });
    }
  });
});

describe('dashboard aggregates count exactly what RLS lets the caller see', () => {
  it('for admins, managers, a manager of one client who administers another, and nobody else', async () => {
    const demo = await createLeads(db.pool, 6, DEMO_CLIENT_ID, 'vis-demo');
    const other = await createLeads(db.pool, 4, OTHER_CLIENT_ID, 'vis-other');
    await insertItems(db.pool, demo.slice(0, 2));
    await insertItems(db.pool, demo.slice(2, 3), { status: 'queued' });
    await insertItems(db.pool, demo.slice(3, 5), { status: 'sent' });
    await insertItems(db.pool, demo.slice(5), { status: 'failed' });
    await insertItems(db.pool, other.slice(0, 3), {}, OTHER_ADMIN_ID);
    await insertItems(db.pool, other.slice(3), { status: 'sent' }, OTHER_ADMIN_ID);
    // Other's admin also manages Demo: both sets, neither twice.
    await db.pool.query("insert into client_members (client_id, user_id, role) values ($1, $2, 'manager')", [DEMO_CLIENT_ID, OTHER_ADMIN_ID]);
    const outsider = { id: 'a0000000-0000-4000-8000-0000000000ff', email: 'nobody@test.test' };
    const actors: Actor[] = [USERS.demoAdmin, USERS.demoManager, USERS.otherAdmin, outsider];
    for (const actor of actors) {
      const [viaRls, status] = await as(db.pool, actor, async (c) => [
        (await c.query(`select count(*) filter (where status = 'pending')::int depth, count(*) filter (where status = 'queued')::int queued,
                               count(*) filter (where status = 'sent' and processed_at > now() - interval '24 hours')::int sent,
                               count(*) filter (where status = 'failed' and processed_at > now() - interval '24 hours')::int failed
                          from whatsapp_message_queue`)).rows[0],
        (await c.query('select depth, queued, sent_24h as sent, failed_24h as failed from queue_status()')).rows[0],
      ]);
      expect(status, JSON.stringify(actor)).toEqual(viaRls);
    }
  });
});
