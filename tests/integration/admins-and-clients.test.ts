import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { invoke } from '../support/invoke.ts';
import { createLeads } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * Only current admins send, and each (admin, client) pair runs on its own settings: through REST as the users, the
 * service role's membership changes, and real processor runs against the Agent DB stand-in.
 */

const stack = withStack({ functions: true, sink: true, env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' } });
const SECOND_ADMIN = 'second-admin@test.test';
let secondAdminId: string;
let admin: SupabaseClient;
let secondAdmin: SupabaseClient;
let manager: SupabaseClient;

const OPEN = { ...ALWAYS_OPEN, processing_delay_ms: 0, rate_limit_per_hour: 100000, processing_state: 'running' as const };
const CLOSED_ALL_WEEK = Object.fromEntries(
  ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((day) => [day, { enabled: false, start: '09:00', end: '17:00' }]),
);

beforeAll(async () => {
  const created = await stack.service.auth.admin.createUser({ email: SECOND_ADMIN, password: PASSWORD, email_confirm: true });
  if (created.error) throw created.error;
  secondAdminId = created.data.user.id;
  admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
  secondAdmin = await stack.signIn(SECOND_ADMIN, PASSWORD);
  manager = await stack.signIn(USERS.demoManager.email, PASSWORD);
});

beforeEach(async () => {
  await stack.reset(OPEN);
  // Both admins of Demo, both running, open all week; the demo admin administers Demo only.
  await stack.pool.query(`insert into public.client_members (client_id, user_id, role) values ($1, $2, 'admin'), ($1, $3, 'admin')
                           on conflict (client_id, user_id) do update set role = 'admin'`, [DEMO_CLIENT_ID, DEMO_ADMIN_ID, secondAdminId]);
  await stack.pool.query(`delete from public.client_members where client_id = $1 and user_id = $2`, [OTHER_CLIENT_ID, DEMO_ADMIN_ID]);
  await stack.pool.query(`delete from public.user_queue_settings where client_id = $1 and user_id = $2`, [OTHER_CLIENT_ID, DEMO_ADMIN_ID]);
  await stack.pool.query(
    `update public.user_queue_settings set business_hours = $2, holiday_calendar = 'none', processing_delay_ms = 0, rate_limit_per_hour = 100000,
            processing_state = 'running' where user_id = $1`,
    [secondAdminId, ALWAYS_OPEN.business_hours],
  );
});

async function queueAsDemoAdmin(count: number): Promise<string[]> {
  const leads = await createLeads(stack.pool, count, DEMO_CLIENT_ID, 'owners');
  const queued = await invoke<{ queueIds: string[] }>(admin, 'queue-leads', { leadIds: leads });
  expect(queued.status).toBe(200);
  return queued.body.queueIds;
}

async function runProcessor(): Promise<RunSummary> {
  const run = await invoke<RunSummary>(stack.service, 'queue-processor', {});
  expect(run.status).toBe(200);
  return run.body;
}

async function items(ids: string[]) {
  const { rows } = await stack.pool.query<{ id: string; status: string; user_id: string }>(
    `select id, status::text, user_id from public.whatsapp_message_queue where id = any($1) order by id`, [ids]);
  return rows;
}

describe('a removed admin', () => {
  it('stops sending at once; a remaining admin and the manager see the items, and the admin takes them over and sends them', async () => {
    const ids = await queueAsDemoAdmin(2);
    const removed = await stack.service.from('client_members').delete().eq('client_id', DEMO_CLIENT_ID).eq('user_id', DEMO_ADMIN_ID);
    expect(removed.error).toBeNull();

    const settings = await stack.pool.query(`select processing_state from public.user_queue_settings where user_id = $1 and client_id = $2`, [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
    expect(settings.rows).toEqual([{ processing_state: 'paused' }]);
    const audit = await stack.pool.query(`select details from public.queue_audit_log where action = 'admin_removed' and user_id = $1 order by id desc limit 1`, [DEMO_ADMIN_ID]);
    expect(audit.rows).toEqual([{ details: { waiting_items: 2 } }]);

    // Even with their processing forced back on, the claim does not send for someone who is no longer an admin.
    await stack.pool.query(`update public.user_queue_settings set processing_state = 'running' where user_id = $1`, [DEMO_ADMIN_ID]);
    await runProcessor();
    expect(stack.sink!.received).toHaveLength(0);
    expect((await items(ids)).map((item) => item.status)).toEqual(['pending', 'pending']);

    const seenBySecond = await secondAdmin.from('whatsapp_message_queue').select('id').in('id', ids);
    expect(seenBySecond.data?.map((row) => row.id).sort()).toEqual([...ids].sort());
    const seenByManager = await manager.from('whatsapp_message_queue').select('id').in('id', ids);
    expect(seenByManager.data).toHaveLength(2);
    // The removed admin no longer reads that client's queue.
    const seenByRemoved = await admin.from('whatsapp_message_queue').select('id').in('id', ids);
    expect(seenByRemoved.data).toEqual([]);
    const status = await secondAdmin.rpc('queue_status').single<{ depth: number }>();
    expect(status.data?.depth).toBe(2);

    const taken = await secondAdmin.rpc('take_over_queue_items', { ids });
    expect(taken.data).toBe(2);
    const takeovers = await stack.pool.query(
      `select actor_id, details from public.queue_audit_log where action = 'taken_over' and queue_item_id = any($1)`, [ids]);
    expect(takeovers.rows).toEqual([
      { actor_id: secondAdminId, details: { previous_owner: DEMO_ADMIN_ID } },
      { actor_id: secondAdminId, details: { previous_owner: DEMO_ADMIN_ID } },
    ]);

    await runProcessor();
    expect(new Set(stack.sink!.received.map((received) => received.webhookId))).toEqual(new Set(ids));
    expect((await items(ids)).every((item) => item.status === 'sent' && item.user_id === secondAdminId)).toBe(true);
  });

  it('made a manager: paused too, and a remaining admin may cancel what they left waiting', async () => {
    const ids = await queueAsDemoAdmin(1);
    const demoted = await stack.service.from('client_members').update({ role: 'manager' }).eq('client_id', DEMO_CLIENT_ID).eq('user_id', DEMO_ADMIN_ID);
    expect(demoted.error).toBeNull();
    const audit = await stack.pool.query(`select count(*)::int as n from public.queue_audit_log where action = 'admin_demoted' and user_id = $1`, [DEMO_ADMIN_ID]);
    expect(audit.rows[0].n).toBeGreaterThanOrEqual(1);
    const cancelled = await secondAdmin.rpc('cancel_queue_items', { ids });
    expect(cancelled.data).toBe(1);
    expect((await items(ids))[0]?.status).toBe('cancelled');
  });

  it('nobody takes over an item of a current admin', async () => {
    const ids = await queueAsDemoAdmin(1);
    const taken = await secondAdmin.rpc('take_over_queue_items', { ids });
    expect(taken.data).toBe(0);
    const direct = await secondAdmin.from('whatsapp_message_queue').update({ priority: 'high' }).in('id', ids).select('id');
    expect(direct.data).toEqual([]);
    expect((await items(ids))[0]?.user_id).toBe(DEMO_ADMIN_ID);
  });
});

describe('an admin of two clients', () => {
  beforeEach(async () => {
    await stack.pool.query(`insert into public.client_members (client_id, user_id, role) values ($1, $2, 'admin')`, [OTHER_CLIENT_ID, DEMO_ADMIN_ID]);
  });

  it('has one settings row per client, and says which client to pause', async () => {
    const { rows } = await stack.pool.query(`select client_id from public.user_queue_settings where user_id = $1 order by client_id`, [DEMO_ADMIN_ID]);
    expect(rows.map((row) => row.client_id)).toEqual([DEMO_CLIENT_ID, OTHER_CLIENT_ID]);
    const ambiguous = await admin.rpc('set_processing_state', { state: 'paused' });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.error).toMatchObject({ code: '22023', details: 'ambiguous_client', message: 'You are an admin of 2 clients: say which one (client_id)' });
    const paused = await admin.rpc('set_processing_state', { state: 'paused', client_id: OTHER_CLIENT_ID });
    expect(paused.data).toBe('paused');
    const states = await stack.pool.query(`select client_id, processing_state from public.user_queue_settings where user_id = $1 order by client_id`, [DEMO_ADMIN_ID]);
    expect(states.rows).toEqual([
      { client_id: DEMO_CLIENT_ID, processing_state: 'running' },
      { client_id: OTHER_CLIENT_ID, processing_state: 'paused' },
    ]);
    const otherStatus = await admin.rpc('queue_status', { for_client: OTHER_CLIENT_ID }).single<{ processing_state: string }>();
    expect(otherStatus.data?.processing_state).toBe('paused');
    const demoStatus = await admin.rpc('queue_status', { for_client: DEMO_CLIENT_ID }).single<{ processing_state: string }>();
    expect(demoStatus.data?.processing_state).toBe('running');
  });

  it('is processed once per client, with that client’s rules', async () => {
    // Other's window is closed all week; Demo's is always open.
    await stack.pool.query(
      `update public.user_queue_settings set business_hours = $3, processing_state = 'running' where user_id = $1 and client_id = $2`,
      [DEMO_ADMIN_ID, OTHER_CLIENT_ID, CLOSED_ALL_WEEK],
    );
    const demoItems = await queueAsDemoAdmin(1);
    const otherLeads = await createLeads(stack.pool, 1, OTHER_CLIENT_ID, 'two-clients');
    // Queued for Other while its window is briefly open, by naming the client.
    await stack.pool.query(`update public.user_queue_settings set business_hours = $3 where user_id = $1 and client_id = $2`,
      [DEMO_ADMIN_ID, OTHER_CLIENT_ID, ALWAYS_OPEN.business_hours]);
    const otherQueued = await invoke<{ queueIds: string[] }>(admin, 'queue-leads', { leadIds: otherLeads, clientId: OTHER_CLIENT_ID });
    expect(otherQueued.status).toBe(200);
    await stack.pool.query(`update public.user_queue_settings set business_hours = $3 where user_id = $1 and client_id = $2`,
      [DEMO_ADMIN_ID, OTHER_CLIENT_ID, CLOSED_ALL_WEEK]);

    const summary = await runProcessor();
    const mine = summary.admins.filter((entry) => entry.userId === DEMO_ADMIN_ID);
    expect(mine.map((entry) => [entry.clientId, entry.sent, entry.skipped ?? null]).sort()).toEqual(
      [[DEMO_CLIENT_ID, 1, null], [OTHER_CLIENT_ID, 0, 'outside_window']].sort(),
    );
    expect((await items(demoItems))[0]?.status).toBe('sent');
    expect((await items(otherQueued.body.queueIds))[0]?.status).toBe('pending');
  });
});

describe('the audit log tells the whole story', () => {
  it('settings changes and edits of pending items, with old and new values and who made them', async () => {
    const updated = await admin.from('user_queue_settings').update({ daily_target: 40 }).eq('user_id', DEMO_ADMIN_ID).eq('client_id', DEMO_CLIENT_ID);
    expect(updated.error).toBeNull();
    const settings = await stack.pool.query(
      `select actor_id, details from public.queue_audit_log where action = 'settings_changed' and user_id = $1 order by id desc limit 1`, [DEMO_ADMIN_ID]);
    expect(settings.rows).toEqual([{ actor_id: DEMO_ADMIN_ID, details: { changes: { daily_target: { old: 45, new: 40 } } } }]);

    const [id] = await queueAsDemoAdmin(1);
    const edited = await admin.from('whatsapp_message_queue').update({ priority: 'high', message_variables: { name: 'Dana' } }).eq('id', id!);
    expect(edited.error).toBeNull();
    const edits = await stack.pool.query(`select actor_id, details from public.queue_audit_log where action = 'edited' and queue_item_id = $1`, [id]);
    expect(edits.rows).toHaveLength(1);
    expect(edits.rows[0]).toMatchObject({
      actor_id: DEMO_ADMIN_ID,
      details: { old: { priority: 'normal', variables: [] }, new: { priority: 'high', variables: ['name'] }, variables_changed: true },
    });
    // Names of variables only: no personal data lands in the log.
    expect(JSON.stringify(edits.rows[0].details)).not.toContain('Dana');

    const past = await admin.from('whatsapp_message_queue').update({ scheduled_for: '2000-01-01T00:00:00Z' }).eq('id', id!);
    expect(past.status).toBe(400);
    expect(past.error).toMatchObject({ code: '22023', message: 'scheduled_for must be between now and one year ahead' });
  });

  it('time zones: only those both runtimes can use are accepted', async () => {
    for (const zone of ['posix/Asia/Jerusalem', 'right/Asia/Jerusalem', 'Factory', 'Mars/Olympus']) {
      const refused = await admin.from('user_queue_settings').update({ timezone: zone }).eq('user_id', DEMO_ADMIN_ID).eq('client_id', DEMO_CLIENT_ID);
      expect(refused.error?.code, zone).toBe('23514');
    }
    const accepted = await admin.from('user_queue_settings').update({ timezone: 'America/New_York' }).eq('user_id', DEMO_ADMIN_ID).eq('client_id', DEMO_CLIENT_ID);
    expect(accepted.error).toBeNull();
  });
});
