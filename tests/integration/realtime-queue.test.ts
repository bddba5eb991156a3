import { expect, it } from 'vitest';
import { enqueueResult } from '../../supabase/functions/_shared/schemas.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { watchChanges } from '@leads-queue/local-supabase/testing';
import { nextOpenSlot } from '../support/israelDates.ts';
import { withStack } from '../support/withStack.ts';

const stack = withStack();

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

it('streams the Demo admin’s own queue items through the gateway, and none of them to the Other admin', async () => {
  const demo = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
  const other = await stack.signIn(USERS.otherAdmin.email, PASSWORD);
  // Hand the session token to realtime now rather than racing the auth event.
  await demo.realtime.setAuth();
  await other.realtime.setAuth();
  const demoWatch = await watchChanges(demo, 'demo-queue', [{ event: '*', table: 'whatsapp_message_queue' }]);
  const otherWatch = await watchChanges(other, 'other-queue', [{ event: '*', table: 'whatsapp_message_queue' }]);

  const { data, error } = await demo.rpc('enqueue_leads', { lead_ids: await freeLeads(DEMO_CLIENT_ID, 3), scheduled_for: nextOpenSlot() });
  expect(error).toBeNull();
  const queueIds = enqueueResult.parse(data).queue_ids;
  expect(queueIds).toHaveLength(3);
  await demoWatch.waitFor((events) => queueIds.every((id) => events.some((e) => e.eventType === 'INSERT' && e.new.id === id)), 2000);
  for (const event of demoWatch.events) expect(event.new).toMatchObject({ user_id: DEMO_ADMIN_ID, client_id: DEMO_CLIENT_ID, status: 'pending' });

  const { error: cancelError } = await demo.rpc('cancel_queue_items', { ids: [queueIds[0]] });
  expect(cancelError).toBeNull();
  await demoWatch.waitFor((events) => events.some((e) => e.eventType === 'UPDATE' && e.new.id === queueIds[0] && e.new.status === 'cancelled'), 2000);

  // Commit order per subscriber: once Other's own item arrives, nothing of Demo's can still be in flight to it.
  const [otherLead] = await freeLeads(OTHER_CLIENT_ID, 1);
  const { rows } = await stack.pool.query<{ id: string }>(
    'insert into public.whatsapp_message_queue (lead_id, client_id, user_id) values ($1, $2, $3) returning id',
    [otherLead, OTHER_CLIENT_ID, OTHER_ADMIN_ID],
  );
  const sentinel = rows[0]?.id;
  await otherWatch.waitFor((events) => events.some((e) => e.new.id === sentinel), 2000);
  expect(otherWatch.events.map((e) => e.new.id)).toEqual([sentinel]);
  expect(demoWatch.events.map((e) => e.new.id)).not.toContain(sentinel);
});

it('accepts the new publishable key on the realtime socket, as the HTTP routes do', async () => {
  const { PUBLISHABLE_KEY } = await import('@leads-queue/local-supabase');
  const client = stack.client(PUBLISHABLE_KEY);
  const { error: signInError } = await client.auth.signInWithPassword({ email: USERS.demoAdmin.email, password: PASSWORD });
  expect(signInError).toBeNull();
  await client.realtime.setAuth();
  const watch = await watchChanges(client, 'publishable-queue', [{ event: 'INSERT', table: 'whatsapp_message_queue' }]);
  const { data, error } = await client.rpc('enqueue_leads', { lead_ids: await freeLeads(DEMO_CLIENT_ID, 1), scheduled_for: nextOpenSlot() });
  expect(error).toBeNull();
  const [id] = enqueueResult.parse(data).queue_ids;
  await watch.waitFor((events) => events.some((e) => e.new.id === id), 2000);
});
