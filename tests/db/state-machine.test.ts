import { describe, expect, it } from 'vitest';
import { as, sqlstate, withDatabase } from '../support/db.ts';
import { USERS } from '../support/seed.ts';
import { createLeads, insertItems, statusOf } from '../support/queueItems.ts';

const db = withDatabase();

const STATUSES = ['pending', 'queued', 'processing', 'sent', 'failed', 'cancelled'] as const;
const LEGAL = new Set([
  'pending>queued', 'pending>cancelled', 'pending>processing',
  'queued>processing', 'queued>pending', 'queued>failed', 'queued>cancelled',
  'processing>sent', 'processing>pending', 'processing>failed', 'processing>queued', 'processing>cancelled',
  'sent>failed', 'failed>pending',
]);

async function freshItem(status: string): Promise<string> {
  const [lead] = await createLeads(db.pool, 1, undefined, `sm-${status}`);
  const [id] = await insertItems(db.pool, [lead!], { status });
  return id!;
}

describe('status protection', () => {
  for (const [column, value] of [
    ['status', "'sent'"],
    ['attempts', '9'],
    ['locked_by', "'me'"],
    ['locked_until', 'now()'],
    ['agent_trigger_id', "'forged'"],
    ['agent_conversation_id', "'forged'"],
    ['next_attempt_at', 'now()'],
    ['processed_at', 'now()'],
  ] as const) {
    it(`an admin cannot write ${column} directly (42501)`, async () => {
      const id = await freshItem('pending');
      const code = await sqlstate(
        as(db.pool, USERS.demoAdmin, (c) => c.query(`update whatsapp_message_queue set ${column} = ${value} where id = $1`, [id])),
      );
      expect(code).toBe('42501');
      expect(await statusOf(db.pool, id)).toBe('pending');
    });
  }

  it('an admin cannot insert an item in another status', async () => {
    const [lead] = await createLeads(db.pool, 1, undefined, 'sm-insert');
    const code = await sqlstate(
      as(db.pool, USERS.demoAdmin, (c) =>
        c.query("insert into whatsapp_message_queue (lead_id, client_id, user_id, status) values ($1, $2, $3, 'sent')", [
          lead, USERS.demoAdmin.clientId, USERS.demoAdmin.id,
        ]),
      ),
    );
    expect(code).toBe('42501');
  });

  it('an admin cannot call the processor functions', async () => {
    const id = await freshItem('pending');
    for (const sql of [
      "select * from claim_queue_batch('me', 10)",
      "select start_queue_item($1, 'me')",
      "select complete_queue_item($1, 'me', 'x')",
      "select fail_queue_item($1, 'me', 'x', 'y', false)",
      "select take_rate_tokens('send:x', 1, 100)",
      'select purge_expired_queue_items()',
      "select record_agent_outcome($1, 'conv')",
    ]) {
      const params = sql.includes('$1') ? [id] : [];
      expect(await sqlstate(as(db.pool, USERS.demoAdmin, (c) => c.query(sql, params))), sql).toBe('42501');
      expect(await sqlstate(as(db.pool, 'anon', (c) => c.query(sql, params))), sql).toBe('42501');
    }
  });
});

describe('state machine', () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      if (from === to) continue;
      const legal = LEGAL.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${legal ? 'allowed' : 'refused'} even for the service role`, async () => {
        const id = await freshItem(from);
        const leased = to === 'queued' || to === 'processing';
        const code = await sqlstate(
          as(db.pool, 'service_role', (c) =>
            c.query(
              `update whatsapp_message_queue set status = $2,
                 locked_by = ${leased ? "'w'" : 'null'}, locked_until = ${leased ? "now() + interval '1 minute'" : 'null'}
               where id = $1`,
              [id, to],
            ),
          ),
        );
        expect(code).toBe(legal ? null : 'LQ409');
      });
    }
  }

  it('the whole happy path through the functions: pending -> queued -> processing -> sent', async () => {
    const id = await freshItem('pending');
    await db.pool.query("update whatsapp_message_queue set priority = 'immediate' where id = $1", [id]);
    const { rows } = await db.pool.query("select id from claim_queue_batch('w1', 1)");
    expect(rows[0].id).toBe(id);
    expect(await statusOf(db.pool, id)).toBe('queued');
    expect((await db.pool.query("select start_queue_item($1, 'w1') ok", [id])).rows[0].ok).toBe(true);
    expect(await statusOf(db.pool, id)).toBe('processing');
    await db.pool.query("select complete_queue_item($1, 'w1', 'trig-1')", [id]);
    const item = (await db.pool.query('select * from whatsapp_message_queue where id = $1', [id])).rows[0];
    expect(item).toMatchObject({ status: 'sent', agent_trigger_id: 'trig-1', locked_by: null, locked_until: null });
    expect(item.processed_at).not.toBeNull();
    const lead = (await db.pool.query('select last_contacted_at from leads where id = $1', [item.lead_id])).rows[0];
    expect(lead.last_contacted_at).not.toBeNull();
    const actions = (await db.pool.query('select action from queue_audit_log where queue_item_id = $1 order by id', [id])).rows;
    // The priority change above is an edit of a pending item, audited as such.
    expect(actions.map((a) => a.action)).toEqual(['enqueued', 'edited', 'claimed', 'started', 'sent']);
  });

  it('start is refused unless the item is queued and leased to the caller', async () => {
    const id = await freshItem('pending');
    expect((await db.pool.query("select start_queue_item($1, 'w') ok", [id])).rows[0].ok).toBe(false);
  });

  it('admins cancel pending and queued items, retry failed ones, and nothing else', async () => {
    const pending = await freshItem('pending');
    const queued = await freshItem('queued');
    const processing = await freshItem('processing');
    const sent = await freshItem('sent');
    const failed = await freshItem('failed');
    const cancelled = await as(
      db.pool, USERS.demoAdmin,
      async (c) => (await c.query('select cancel_queue_items($1) n', [[pending, queued, processing, sent, failed]])).rows[0].n,
      { commit: true },
    );
    expect(cancelled).toBe(2);
    expect(await statusOf(db.pool, pending)).toBe('cancelled');
    expect(await statusOf(db.pool, queued)).toBe('cancelled');
    expect(await statusOf(db.pool, processing)).toBe('processing');
    const retried = await as(
      db.pool, USERS.demoAdmin,
      async (c) => (await c.query('select retry_queue_items($1) n', [[pending, sent, failed]])).rows[0].n,
      { commit: true },
    );
    expect(retried).toBe(1);
    const again = (await db.pool.query('select status, attempts, last_error from whatsapp_message_queue where id = $1', [failed])).rows[0];
    expect(again).toEqual({ status: 'pending', attempts: 0, last_error: null });
  });

  it('a manager cannot cancel, retry or start processing; another client admin changes nothing', async () => {
    const id = await freshItem('pending');
    for (const sql of ['select cancel_queue_items($1)', 'select retry_queue_items($1)']) {
      expect(await sqlstate(as(db.pool, USERS.demoManager, (c) => c.query(sql, [[id]])))).toBe('42501');
    }
    expect(await sqlstate(as(db.pool, USERS.demoManager, (c) => c.query("select set_processing_state('running')")))).toBe('42501');
    const n = await as(db.pool, USERS.otherAdmin, async (c) => (await c.query('select cancel_queue_items($1) n', [[id]])).rows[0].n);
    expect(n).toBe(0);
    expect(await statusOf(db.pool, id)).toBe('pending');
  });

  it('set_processing_state persists and is audited', async () => {
    await as(db.pool, USERS.demoAdmin, (c) => c.query("select set_processing_state('paused')"), { commit: true });
    const row = (await db.pool.query('select processing_state from user_queue_settings where user_id = $1', [USERS.demoAdmin.id])).rows[0];
    expect(row.processing_state).toBe('paused');
    const audit = (await db.pool.query("select count(*)::int n from queue_audit_log where action = 'processing_paused' and actor_id = $1", [USERS.demoAdmin.id])).rows[0];
    expect(audit.n).toBe(1);
  });

  it('a delivery failure reported later moves sent -> failed, idempotently', async () => {
    const id = await freshItem('sent');
    const first = await db.pool.query("select record_agent_outcome($1, null, '131026', 'Message undeliverable') s", [id]);
    const second = await db.pool.query("select record_agent_outcome($1, null, '131026', 'Message undeliverable') s", [id]);
    expect([first.rows[0].s, second.rows[0].s]).toEqual(['failed', 'failed']);
    const conv = await db.pool.query("select record_agent_outcome($1, 'conv-1') s", [await freshItem('sent')]);
    expect(conv.rows[0].s).toBe('sent');
  });
});
