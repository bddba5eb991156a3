import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextOpenSlot } from '../support/israelDates.ts';
import { withStack } from '../support/withStack.ts';

const DEMO_CLIENT = '11111111-1111-4111-8111-111111111111';
const PASSWORD = 'testtesttest';

const stack = withStack();
let admin: SupabaseClient;

beforeAll(async () => {
  admin = await stack.signIn('test@test.test', PASSWORD);
});

describe('rest through the gateway, over the app schema and seed', () => {
  it('shows each client only its own leads, with the client embedded', async () => {
    const { data, count, error, status } = await admin
      .from('leads')
      .select('id, name, client:clients(name)', { count: 'exact' })
      .order('created_at')
      .limit(2);
    expect(error).toBeNull();
    expect(status).toBe(206);
    expect(count).toBe(60);
    expect(data?.[0]?.client).toEqual({ name: 'Demo' });
    const other = await stack.signIn('other@test.test', PASSWORD);
    const theirs = await other.from('leads').select('id', { count: 'exact', head: true });
    expect(theirs.count).toBe(10);
    const anonymous = await stack.client().from('leads').select('id');
    // anon has no grant on leads at all: Postgres says 42501, which is 401 for anon.
    expect(anonymous.status).toBe(401);
    expect(anonymous.error?.code).toBe('42501');
  });

  it('queues leads by rpc and reads them back with the lead embedded', async () => {
    const { data: leads } = await admin.from('leads').select('id').eq('client_id', DEMO_CLIENT).is('opted_out_at', null).order('created_at').limit(2);
    const ids = (leads ?? []).map((lead: { id: string }) => lead.id);
    const queued = await admin.rpc('enqueue_leads', { lead_ids: ids, priority: 'high', scheduled_for: nextOpenSlot() });
    expect(queued.error).toBeNull();
    expect(queued.data).toMatchObject({ queued: 2 });
    const items = await admin.from('whatsapp_message_queue').select('priority, lead:leads(id)').in('lead_id', ids);
    expect(items.error).toBeNull();
    expect(items.data).toHaveLength(2);
    expect(items.data?.[0]).toMatchObject({ priority: 'high' });
    const status = await admin.rpc('queue_status').single();
    expect(status.error).toBeNull();
    expect(status.data).toHaveProperty('depth');
  });

  it('updates settings with a date[] and jsonb from JSON and reads them back', async () => {
    const { data, error } = await admin
      .from('user_queue_settings')
      .update({ closed_dates: ['2026-12-25', '2027-01-01'], daily_target: 50 })
      .eq('user_id', 'a0000000-0000-4000-8000-000000000001')
      .select('closed_dates, daily_target, business_hours->sunday')
      .single();
    expect(error).toBeNull();
    expect(data).toMatchObject({ closed_dates: ['2026-12-25', '2027-01-01'], daily_target: 50 });
    expect(data?.sunday).toHaveProperty('enabled');
  });

  it('answers 403 when a manager calls an admin-only rpc', async () => {
    const manager = await stack.signIn('manager@test.test', PASSWORD);
    const { data: leads } = await admin.from('leads').select('id').limit(1);
    const { status, error } = await manager.rpc('enqueue_leads', { lead_ids: (leads ?? []).map((lead: { id: string }) => lead.id) });
    expect(status).toBe(403);
    // enqueue_leads answers with the codes queue-leads uses (set through PostgREST's response.status).
    expect(error).toMatchObject({ code: 'forbidden', message: 'Only a client admin can queue leads' });
  });
});
