import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeEach, describe, expect, it } from 'vitest';
import { PUBLISHABLE_KEY } from '@leads-queue/local-supabase';
import { refusedJoin, watchBroadcasts, type BroadcastWatch, type ReceivedBroadcast } from '@leads-queue/local-supabase/testing';
import { QUEUE_EVENTS, queueTopic } from '../../supabase/functions/_shared/queueTopics.ts';
import { enqueueResult } from '../../supabase/functions/_shared/schemas.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, DEMO_MANAGER_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { nextOpenSlot } from '../support/israelDates.ts';
import { withStack } from '../support/withStack.ts';

// The stack's clock: moved forward before a token refresh, so the refreshed token differs from the old one.
let clockOffsetMs = 0;
const stack = withStack({ now: () => new Date(Date.now() + clockOffsetMs) });

beforeEach(async () => {
  await stack.reset();
});

async function signIn(email: string): Promise<SupabaseClient> {
  const client = await stack.signIn(email, PASSWORD);
  // Private channels join with the session's token: hand it to realtime now rather than racing the auth event.
  await client.realtime.setAuth();
  return client;
}

async function freeLeads(clientId: string, count: number): Promise<string[]> {
  const { rows } = await stack.pool.query<{ id: string }>(
    `select l.id from public.leads l
      where l.client_id = $1 and l.opted_out_at is null
        and not exists (select 1 from public.whatsapp_message_queue q
                         where q.lead_id = l.id and q.status in ('pending', 'queued', 'processing'))
      order by l.id limit $2`,
    [clientId, count],
  );
  return rows.map((row) => row.id);
}

async function enqueue(admin: SupabaseClient, clientId: string, count: number): Promise<string[]> {
  const { data, error } = await admin.rpc('enqueue_leads', { lead_ids: await freeLeads(clientId, count), scheduled_for: nextOpenSlot() });
  expect(error).toBeNull();
  return enqueueResult.parse(data).queue_ids;
}

// A join is no cut in the stream: what the reset committed just before it may still arrive after it (here as
// on hosted Realtime, which reads the WAL), so tests look for their own messages.
const isInsert = (m: ReceivedBroadcast) => m.event === QUEUE_EVENTS.items && m.payload.operation === 'INSERT';
/** Rows of the queue item inserts and updates received so far. */
const itemRows = (watch: BroadcastWatch) =>
  watch.messages
    .filter((m) => m.event === QUEUE_EVENTS.items && m.payload.operation !== 'DELETE')
    .flatMap((m) => m.payload.rows as Record<string, unknown>[]);
const hasItem = (id: string | undefined, status: string) => (messages: ReceivedBroadcast[]) =>
  messages.some((m) => (m.payload.rows as { id?: string; status?: string }[] | undefined)?.some((row) => row.id === id && row.status === status));

describe('the live queue on Broadcast', () => {
  it('names topics as the database does', async () => {
    const { rows } = await stack.pool.query<{ client: string; admin: string }>(
      'select private.queue_topic($1) as client, private.queue_topic($1, $2) as admin',
      [DEMO_CLIENT_ID, DEMO_ADMIN_ID],
    );
    expect(rows[0]).toEqual({ client: queueTopic(DEMO_CLIENT_ID), admin: queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID) });
  });

  it('gives an admin their own items’ changes with what the dashboard needs', async () => {
    const admin = await signIn(USERS.demoAdmin.email);
    const watch = await watchBroadcasts(admin, queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID));
    const ids = await enqueue(admin, DEMO_CLIENT_ID, 3);
    await watch.waitFor((messages) => messages.some(isInsert));
    // One statement, one message: the operation, how many rows, and the rows themselves.
    const inserts = watch.messages.filter(isInsert);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]?.payload).toMatchObject({ operation: 'INSERT', count: 3, truncated: false });
    expect(itemRows(watch).map((row) => row.id)).toEqual([...ids].sort());
    for (const row of itemRows(watch)) {
      expect(row).toMatchObject({ client_id: DEMO_CLIENT_ID, user_id: DEMO_ADMIN_ID, status: 'pending', old_status: null });
      expect(row.lead_id).toEqual(expect.any(String));
    }

    expect((await admin.rpc('cancel_queue_items', { ids: [ids[0]] })).error).toBeNull();
    await watch.waitFor(hasItem(ids[0], 'cancelled'));
    expect(watch.messages.at(-1)?.payload).toMatchObject({ operation: 'UPDATE', count: 1, rows: [{ id: ids[0], status: 'cancelled', old_status: 'pending' }] });
  });

  it('sends one message per topic for a statement of many rows, with the first 100 rows', async () => {
    const admin = await signIn(USERS.demoAdmin.email);
    const watch = await watchBroadcasts(admin, queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID));
    await stack.pool.query(
      `insert into public.leads (client_id, name, phone) select $1, 'Burst ' || i, '+97250' || lpad(i::text, 7, '0') from generate_series(1, 150) i`,
      [DEMO_CLIENT_ID],
    );
    await enqueue(admin, DEMO_CLIENT_ID, 150);
    await watch.waitFor((messages) => messages.some(isInsert));
    const inserts = watch.messages.filter(isInsert);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]?.payload).toMatchObject({ operation: 'INSERT', count: 150, truncated: true });
    expect(inserts[0]?.payload.rows).toHaveLength(100);
    // Leads with waiting items cannot be deleted: the items go first.
    await stack.pool.query(`delete from public.whatsapp_message_queue where lead_id in (select id from public.leads where name like 'Burst %')`);
    await stack.pool.query(`delete from public.leads where name like 'Burst %'`);
  });

  it('gives a manager every change of their client, and refuses them another client’s topic and an admin’s', async () => {
    const admin = await signIn(USERS.demoAdmin.email);
    const manager = await signIn(USERS.demoManager.email);
    const watch = await watchBroadcasts(manager, queueTopic(DEMO_CLIENT_ID));
    const ids = await enqueue(admin, DEMO_CLIENT_ID, 2);
    await watch.waitFor((messages) => ids.every((id) => hasItem(id, 'pending')(messages)));
    expect(itemRows(watch).every((row) => row.client_id === DEMO_CLIENT_ID)).toBe(true);

    const refusal = await refusedJoin(manager, queueTopic(OTHER_CLIENT_ID));
    expect(refusal.message).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${queueTopic(OTHER_CLIENT_ID)}`);
    expect((await refusedJoin(manager, queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID))).message).toMatch(/^Unauthorized: /);
    expect((await refusedJoin(manager, queueTopic(DEMO_CLIENT_ID, DEMO_MANAGER_ID))).message).toMatch(/^Unauthorized: /);
  });

  it('gives another client’s admin nothing of Demo, and refuses them Demo’s topics', async () => {
    const demo = await signIn(USERS.demoAdmin.email);
    const other = await signIn(USERS.otherAdmin.email);
    const watch = await watchBroadcasts(other, queueTopic(OTHER_CLIENT_ID, OTHER_ADMIN_ID));
    await enqueue(demo, DEMO_CLIENT_ID, 3);
    // Commit order per topic: once Other's own item arrives, nothing of Demo's can still be on its way.
    const [sentinel] = await enqueue(other, OTHER_CLIENT_ID, 1);
    await watch.waitFor(hasItem(sentinel, 'pending'));
    expect(itemRows(watch).map((row) => row.id)).toEqual([sentinel]);
    expect((await refusedJoin(other, queueTopic(DEMO_CLIENT_ID))).message).toMatch(/^Unauthorized: /);
    expect((await refusedJoin(other, queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID))).message).toMatch(/^Unauthorized: /);
  });

  it('tells the processing card about settings and the client’s sending pause', async () => {
    const admin = await signIn(USERS.demoAdmin.email);
    const manager = await signIn(USERS.demoManager.email);
    const adminWatch = await watchBroadcasts(admin, queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID));
    const managerWatch = await watchBroadcasts(manager, queueTopic(DEMO_CLIENT_ID));
    expect((await admin.rpc('set_processing_state', { state: 'paused', client_id: DEMO_CLIENT_ID })).error).toBeNull();
    const until = new Date(Date.now() + 60_000).toISOString();
    await stack.pool.query('update public.clients set sending_paused_until = $2 where id = $1', [DEMO_CLIENT_ID, until]);
    for (const watch of [adminWatch, managerWatch]) {
      await watch.waitFor((messages) => messages.some((m) => m.event === QUEUE_EVENTS.pause));
      // The last settings message (the reset's may come first) is the pause's, committed before the client's.
      const settings = watch.messages.filter((m) => m.event === QUEUE_EVENTS.settings).at(-1);
      expect(settings?.payload).toMatchObject({ operation: 'UPDATE', rows: [{ user_id: DEMO_ADMIN_ID, client_id: DEMO_CLIENT_ID, processing_state: 'paused' }] });
      const pause = watch.messages.find((m) => m.event === QUEUE_EVENTS.pause);
      expect(pause?.payload.rows).toEqual([{ client_id: DEMO_CLIENT_ID, sending_paused_until: expect.any(String) }]);
    }
  });

  it('ends a removed admin’s deliveries at once, and closes their channel when their token is refreshed', async () => {
    const email = `admin-${randomUUID()}@test.test`;
    const { data: created, error: createError } = await stack.service.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
    expect(createError).toBeNull();
    const userId = created.user!.id;
    await stack.pool.query(`insert into public.client_members (client_id, user_id, role) values ($1, $2, 'admin')`, [DEMO_CLIENT_ID, userId]);
    const removed = await signIn(email);
    const manager = await signIn(USERS.demoManager.email);
    const watch = await watchBroadcasts(removed, queueTopic(DEMO_CLIENT_ID, userId));
    const managerWatch = await watchBroadcasts(manager, queueTopic(DEMO_CLIENT_ID));
    const [id] = await enqueue(removed, DEMO_CLIENT_ID, 1);
    await watch.waitFor(hasItem(id, 'pending'));

    await stack.pool.query('delete from public.client_members where client_id = $1 and user_id = $2', [DEMO_CLIENT_ID, userId]);
    await stack.pool.query(`update public.whatsapp_message_queue set status = 'cancelled' where id = $1`, [id]);
    await managerWatch.waitFor(hasItem(id, 'cancelled'));
    // Commit order per socket: once a later message on the topic arrives, the cancellation would have too.
    await stack.pool.query(`select realtime.send('{}', 'sentinel', $1)`, [queueTopic(DEMO_CLIENT_ID, userId)]);
    await watch.waitFor((messages) => messages.some((m) => m.event === 'sentinel'));
    expect(itemRows(watch).map((row) => row.status)).toEqual(['pending']);

    clockOffsetMs += 60_000;
    expect((await removed.auth.refreshSession()).error).toBeNull();
    await watch.waitForStatus('CLOSED');
    expect(watch.system).toContainEqual({
      status: 'error',
      message: `You no longer have permission to read from this Channel topic: ${queueTopic(DEMO_CLIENT_ID, userId)}`,
    });
    expect((await refusedJoin(removed, queueTopic(DEMO_CLIENT_ID, userId))).message).toMatch(/^Unauthorized: /);
  });

  it('accepts the new publishable key on the realtime socket, as the HTTP routes do', async () => {
    const client = stack.client(PUBLISHABLE_KEY);
    expect((await client.auth.signInWithPassword({ email: USERS.demoAdmin.email, password: PASSWORD })).error).toBeNull();
    await client.realtime.setAuth();
    const watch = await watchBroadcasts(client, queueTopic(DEMO_CLIENT_ID, DEMO_ADMIN_ID));
    const [id] = await enqueue(client, DEMO_CLIENT_ID, 1);
    await watch.waitFor(hasItem(id, 'pending'));
  });
});
