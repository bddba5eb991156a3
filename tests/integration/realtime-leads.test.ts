import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeEach, describe, expect, it } from 'vitest';
import { refusedJoin, watchBroadcasts, type ReceivedBroadcast } from '@leads-queue/local-supabase/testing';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { LEAD_EVENT, leadsTopic } from '../../supabase/functions/_shared/queueTopics.ts';
import { invoke } from '../support/invoke.ts';
import { createLeads, seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * The lead grid's live contact state: a send or an opt-out, by anyone, reaches every member of the client on the
 * client's leads topic (one message per statement), naming the leads; RLS decides who may listen.
 */

const stack = withStack({ functions: true, sink: true, env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' } });

beforeEach(() => stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0, rate_limit_per_hour: 100000 }));

async function signIn(email: string): Promise<SupabaseClient> {
  const client = await stack.signIn(email, PASSWORD);
  await client.realtime.setAuth();
  return client;
}

/** A second admin of Demo: their topic never carries the demo admin's items, the leads topic does carry the sends. */
async function anotherDemoAdmin(): Promise<SupabaseClient> {
  const email = `admin-${randomUUID()}@test.test`;
  const { data, error } = await stack.service.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
  expect(error).toBeNull();
  await stack.pool.query(`insert into public.client_members (client_id, user_id, role) values ($1, $2, 'admin')`, [DEMO_CLIENT_ID, data.user!.id]);
  return signIn(email);
}

/** Lead ids the leads messages received so far name (the reset's own messages may arrive after the join too). */
const namedLeads = (messages: ReceivedBroadcast[]) =>
  messages.filter((m) => m.event === LEAD_EVENT).flatMap((m) => (m.payload.ids as string[] | undefined) ?? []);
const names = (ids: string[]) => (messages: ReceivedBroadcast[]) => ids.every((id) => namedLeads(messages).includes(id));

describe('the client’s leads topic', () => {
  it('is named as the database names it', async () => {
    const { rows } = await stack.pool.query<{ topic: string }>('select private.leads_topic($1) as topic', [DEMO_CLIENT_ID]);
    expect(rows[0]?.topic).toBe(leadsTopic(DEMO_CLIENT_ID));
  });

  it('tells every member of the client which leads the real processor just sent to, and refuses another client', async () => {
    const manager = await signIn(USERS.demoManager.email);
    const colleague = await anotherDemoAdmin();
    const watches = [await watchBroadcasts(manager, leadsTopic(DEMO_CLIENT_ID)), await watchBroadcasts(colleague, leadsTopic(DEMO_CLIENT_ID))];
    const items = await seedDueItems(stack.pool, { count: 2, userId: DEMO_ADMIN_ID });
    const { rows } = await stack.pool.query<{ lead_id: string }>('select lead_id from public.whatsapp_message_queue where id = any($1) order by lead_id', [items]);
    const leadIds = rows.map((row) => row.lead_id);

    const run = await invoke<RunSummary>(stack.service, 'queue-processor', {});
    expect(run.status).toBe(200);
    expect(run.body.totals).toMatchObject({ sent: 2 });
    for (const watch of watches) {
      await watch.waitFor(names(leadIds));
      const message = watch.messages.find((m) => m.event === LEAD_EVENT && (m.payload.ids as string[]).includes(leadIds[0]!));
      expect(message?.payload).toMatchObject({ operation: 'UPDATE', truncated: false });
    }
    const contacted = await stack.pool.query('select count(*)::int as n from public.leads where id = any($1) and last_contacted_at is not null', [leadIds]);
    expect(contacted.rows[0]).toEqual({ n: 2 });

    const other = await signIn(USERS.otherAdmin.email);
    expect((await refusedJoin(other, leadsTopic(DEMO_CLIENT_ID))).message).toBe(
      `Unauthorized: You do not have permissions to read from this Channel topic: ${leadsTopic(DEMO_CLIENT_ID)}`,
    );
  });

  it('says nothing of edits that leave the contact state alone; an opt-out is said; a statement of 150 says truncated', async () => {
    const admin = await signIn(USERS.demoAdmin.email);
    const watch = await watchBroadcasts(admin, leadsTopic(DEMO_CLIENT_ID));
    const [tagged, optedOut] = await createLeads(stack.pool, 2, DEMO_CLIENT_ID, 'live');
    await stack.pool.query(`update public.leads set tags = array['vip'], name = 'Renamed' where id = $1`, [tagged]);
    expect((await admin.from('leads').update({ opted_out_at: new Date().toISOString() }).eq('id', optedOut!)).error).toBeNull();
    // Commit order per topic: once the opt-out arrives, the edit before it would have too.
    await watch.waitFor(names([optedOut!]));
    expect(namedLeads(watch.messages)).not.toContain(tagged);

    const burst = await createLeads(stack.pool, 150, DEMO_CLIENT_ID, 'burst');
    await stack.pool.query('update public.leads set last_contacted_at = now() where id = any($1)', [burst]);
    await watch.waitFor((messages) => messages.some((m) => m.event === LEAD_EVENT && m.payload.count === 150));
    const big = watch.messages.filter((m) => m.event === LEAD_EVENT && m.payload.count === 150);
    expect(big).toHaveLength(1);
    expect(big[0]?.payload).toMatchObject({ operation: 'UPDATE', truncated: true });
    expect(big[0]?.payload.ids).toEqual([...burst].sort().slice(0, 100));
  });
});
