import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signStandardWebhook } from '@leads-queue/local-supabase';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { invoke } from '../support/invoke.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { TEST_WEBHOOK_SECRET } from '@leads-queue/local-supabase/testing';
import { withStack } from '../support/withStack.ts';

/**
 * "Never message someone who said stop", through the paths a user and the Agent DB use: the admin's REST update, the
 * signed lead_opted_out callback, and a real processor run against the Agent DB stand-in.
 */

const stack = withStack({ functions: true, sink: true, env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' } });
let admin: SupabaseClient;

beforeAll(async () => {
  admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
});
beforeEach(() => stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0, rate_limit_per_hour: 100000 }));

/** Two fresh leads queued through queue-leads, due now; returns [lead, item] pairs. */
async function queueTwo(): Promise<Array<{ lead: string; item: string }>> {
  const leads = await createLeads(stack.pool, 2, DEMO_CLIENT_ID, 'opt-out');
  const queued = await invoke<{ queueIds: string[] }>(admin, 'queue-leads', { leadIds: leads });
  expect(queued.status).toBe(200);
  const { rows } = await stack.pool.query<{ lead_id: string; id: string }>(
    `select lead_id, id from public.whatsapp_message_queue where id = any($1)`, [queued.body.queueIds]);
  return leads.map((lead) => ({ lead, item: rows.find((row) => row.lead_id === lead)!.id }));
}

async function runProcessor(): Promise<RunSummary> {
  const run = await invoke<RunSummary>(stack.service, 'queue-processor', {});
  expect(run.status).toBe(200);
  return run.body;
}

async function item(id: string) {
  return (await stack.pool.query(`select status, error_code from public.whatsapp_message_queue where id = $1`, [id])).rows[0];
}

const sentFor = (lead: string) => stack.sink!.received.filter((received) => JSON.stringify(received.body).includes(lead));

describe('opt-out after queueing', () => {
  it('by the admin (REST): the item is cancelled at once, nothing reaches the Agent DB for that lead, the audit says who', async () => {
    const [stopped, other] = await queueTwo();
    const { error } = await admin.from('leads').update({ opted_out_at: new Date().toISOString() }).eq('id', stopped!.lead);
    expect(error).toBeNull();
    // Same transaction as the update: cancelled before any processor run.
    expect(await item(stopped!.item)).toEqual({ status: 'cancelled', error_code: 'opted_out' });

    const summary = await runProcessor();
    expect(summary.totals.sent).toBe(1);
    expect(sentFor(stopped!.lead)).toHaveLength(0);
    expect(sentFor(other!.lead)).toHaveLength(1);

    const { rows } = await stack.pool.query(
      `select action, actor_id, details->>'error_code' as code, details->>'source' as source from public.queue_audit_log
        where (queue_item_id = $1 and action = 'cancelled') or (action = 'lead_opted_out' and details->>'lead_id' = $2) order by id`,
      [stopped!.item, stopped!.lead],
    );
    expect(rows).toEqual([
      { action: 'cancelled', actor_id: DEMO_ADMIN_ID, code: 'opted_out', source: null },
      { action: 'lead_opted_out', actor_id: DEMO_ADMIN_ID, code: null, source: 'user' },
    ]);
  });

  it('by a signed lead_opted_out callback: the same, and the audit names the Agent DB and the stop word', async () => {
    const [stopped] = await queueTwo();
    const raw = JSON.stringify({ event: 'lead_opted_out', lead_id: stopped!.lead, keyword: 'הסר' });
    const webhookId = randomUUID();
    const headers = signStandardWebhook(TEST_WEBHOOK_SECRET, webhookId, Math.floor(Date.now() / 1000), raw);
    const callback = await invoke(stack.anon, 'agent-callback', raw, { ...headers, 'Content-Type': 'application/json' });
    expect(callback.status).toBe(200);
    expect(callback.body).toMatchObject({ ok: true, leadId: stopped!.lead, optedOut: true });
    expect(await item(stopped!.item)).toEqual({ status: 'cancelled', error_code: 'opted_out' });

    await runProcessor();
    expect(sentFor(stopped!.lead)).toHaveLength(0);
    const { rows } = await stack.pool.query(
      `select actor_id, details from public.queue_audit_log where action = 'lead_opted_out' and details->>'lead_id' = $1`, [stopped!.lead]);
    expect(rows).toEqual([{ actor_id: null, details: { source: 'agent_db', keyword: 'הסר', webhook_id: webhookId, lead_id: stopped!.lead, cancelled_items: 1 } }]);
  });

  it('an in-flight item whose worker died is not sent again once its lead opted out: it ends cancelled', async () => {
    const [lead] = await createLeads(stack.pool, 1, DEMO_CLIENT_ID, 'in-flight');
    const [id] = await insertItems(stack.pool, [lead!], { status: 'processing', attempts: 1, lockedUntil: "now() - interval '1 minute'" });
    // The admin opts out while the request is (as far as anyone knows) in flight: that item cannot be cancelled yet.
    await admin.from('leads').update({ opted_out_at: new Date().toISOString() }).eq('id', lead!);
    expect((await item(id!)).status).toBe('processing');
    await runProcessor();
    expect(await item(id!)).toEqual({ status: 'cancelled', error_code: 'opted_out' });
    expect(sentFor(lead!)).toHaveLength(0);
  });

  it('an admin cannot clear an opt-out (403) or queue the lead again; the service role may clear it, audited', async () => {
    const [stopped] = await queueTwo();
    await admin.from('leads').update({ opted_out_at: new Date().toISOString() }).eq('id', stopped!.lead);
    const cleared = await admin.from('leads').update({ opted_out_at: null }).eq('id', stopped!.lead);
    expect(cleared.status).toBe(403);
    expect(cleared.error).toMatchObject({ code: '42501', message: 'An opt-out cannot be undone: the lead asked not to be contacted' });
    const moved = await admin.from('leads').update({ opted_out_at: '2030-01-01T00:00:00Z' }).eq('id', stopped!.lead);
    expect(moved.status).toBe(403);

    const again = await invoke(admin, 'queue-leads', { leadIds: [stopped!.lead] });
    expect(again.body).toMatchObject({ queued: 0, skipped: { optedOut: 1 } });
    const direct = await admin.rpc('enqueue_leads', { lead_ids: [stopped!.lead] });
    expect(direct.data).toMatchObject({ queued: 0, skipped_opted_out: 1 });

    const byService = await stack.service.from('leads').update({ opted_out_at: null }).eq('id', stopped!.lead);
    expect(byService.error).toBeNull();
    const { rows } = await stack.pool.query(
      `select actor_id from public.queue_audit_log where action = 'opt_out_cleared' and details->>'lead_id' = $1`, [stopped!.lead]);
    expect(rows).toEqual([{ actor_id: null }]);
  });

  it('no item can be inserted for an opted-out lead, even by the service role', async () => {
    const [lead] = await createLeads(stack.pool, 1, DEMO_CLIENT_ID, 'no-insert');
    await stack.pool.query(`update public.leads set opted_out_at = now() where id = $1`, [lead]);
    const { error } = await stack.service.from('whatsapp_message_queue').insert({ lead_id: lead, client_id: DEMO_CLIENT_ID, user_id: DEMO_ADMIN_ID });
    expect(error).toMatchObject({ code: 'LQ409', details: 'opted_out' });
  });
});

describe('deleting a lead', () => {
  it('with a waiting item is refused (409) and loses nothing; once its items ended, it goes and each deletion is audited', async () => {
    const [waiting] = await queueTwo();
    const refused = await admin.from('leads').delete().eq('id', waiting!.lead);
    expect(refused.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'PT409', details: 'lead_has_active_items' });
    expect((await item(waiting!.item)).status).toBe('pending');

    const cancelled = await admin.rpc('cancel_queue_items', { ids: [waiting!.item] });
    expect(cancelled.data).toBe(1);
    const deleted = await admin.from('leads').delete().eq('id', waiting!.lead);
    expect(deleted.error).toBeNull();
    expect(await item(waiting!.item)).toBeUndefined();
    const { rows } = await stack.pool.query(
      `select action, from_status, actor_id, details from public.queue_audit_log where queue_item_id = $1 order by id`, [waiting!.item]);
    expect(rows.at(-1)).toEqual({ action: 'deleted', from_status: 'cancelled', actor_id: DEMO_ADMIN_ID, details: { reason: 'lead_deleted', lead_id: waiting!.lead } });
    // The trail keeps no personal data of the lead: no name or phone in any of its rows.
    expect(JSON.stringify(rows)).not.toMatch(/\+972|opt-out \d/);
  });

  it('with an item in flight is refused too', async () => {
    const [lead] = await createLeads(stack.pool, 1, DEMO_CLIENT_ID, 'in-flight-delete');
    await insertItems(stack.pool, [lead!], { status: 'processing', attempts: 1 });
    const refused = await admin.from('leads').delete().eq('id', lead!);
    expect(refused.status).toBe(409);
  });
});
