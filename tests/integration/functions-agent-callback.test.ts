import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { signStandardWebhook } from '@leads-queue/local-supabase';
import { invoke } from '../support/invoke.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { DEMO_ADMIN_ID } from '../support/seed.ts';
import { TEST_WEBHOOK_SECRET } from '@leads-queue/local-supabase/testing';
import { withStack } from '../support/withStack.ts';

const stack = withStack({ functions: true, sink: true });

beforeEach(() => stack.reset());

/** One item taken through the processor's own RPCs up to `until`. */
async function itemIn(until: 'processing' | 'sent'): Promise<string> {
  const [id] = await seedDueItems(stack.pool, { count: 1, userId: DEMO_ADMIN_ID });
  await stack.pool.query(`select public.claim_queue_batch('test-worker', 1, 300, $1)`, [DEMO_ADMIN_ID]);
  await stack.pool.query(`select public.start_queue_item($1, 'test-worker')`, [id]);
  if (until === 'sent') await stack.pool.query(`select public.complete_queue_item($1, 'test-worker', 'trg_1')`, [id]);
  return id!;
}

/** A signed report as the Agent DB sends it; `webhookId` fixed to replay one. */
function report(body: unknown, options: { secret?: string; webhookId?: string } = {}) {
  const raw = JSON.stringify(body);
  const headers = signStandardWebhook(options.secret ?? TEST_WEBHOOK_SECRET, options.webhookId ?? randomUUID(), Math.floor(Date.now() / 1000), raw);
  // The Agent DB has no Supabase session: it calls with the anon key as apikey and signs the body.
  return invoke(stack.anon, 'agent-callback', raw, { ...headers, 'Content-Type': 'application/json' });
}

async function row(id: string) {
  return (await stack.pool.query(`select status, attempts, agent_conversation_id, error_code, last_error from public.whatsapp_message_queue where id = $1`, [id])).rows[0];
}

describe('agent-callback', () => {
  it('records the conversation id, idempotently', async () => {
    const id = await itemIn('sent');
    const first = await report({ event: 'conversation_started', queue_item_id: id, conversation_id: 'conv-42' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, status: 'sent' });
    const again = await report({ event: 'conversation_started', queue_item_id: id, conversation_id: 'conv-42' });
    expect(again.status).toBe(200);
    expect(await row(id)).toMatchObject({ status: 'sent', agent_conversation_id: 'conv-42' });
  });

  it('a WhatsApp delivery failure about the current attempt marks the item failed with its code', async () => {
    const id = await itemIn('sent');
    const failed = await report({ event: 'delivery_failed', queue_item_id: id, attempt: 1, error_code: '131026', error_message: 'Message undeliverable' });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: 'failed', stale: false });
    expect(await row(id)).toMatchObject({ status: 'failed', error_code: '131026', last_error: 'Message undeliverable' });
    const { rows } = await stack.pool.query(`select count(*)::int as n from public.queue_audit_log where queue_item_id = $1 and action = 'delivery_failed'`, [id]);
    expect(rows[0].n).toBe(1);
  });

  it('a replayed webhook-id is answered as the first time and changes nothing', async () => {
    const id = await itemIn('sent');
    const webhookId = randomUUID();
    const first = await report({ event: 'conversation_started', queue_item_id: id, conversation_id: 'conv-1' }, { webhookId });
    expect(first.body).toMatchObject({ ok: true, status: 'sent' });
    // The same webhook-id again, even with another body: the first answer, nothing applied.
    const replay = await report({ event: 'delivery_failed', queue_item_id: id, attempt: 1, error_code: '131026' }, { webhookId });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ ok: true, duplicate: true, status: 'sent', queueItemId: id });
    expect(await row(id)).toMatchObject({ status: 'sent', agent_conversation_id: 'conv-1', error_code: null });
    const receipts = await stack.pool.query(`select event from private.agent_event_receipts where webhook_id = $1`, [webhookId]);
    expect(receipts.rows).toEqual([{ event: 'conversation_started' }]);
  });

  it('a delivery_failed about an older attempt does not flip a later sent', async () => {
    const id = await itemIn('sent');
    // Attempt 1's lease lapsed in flight; attempt 2 (a redelivery) went out and completed.
    await stack.pool.query(`update public.whatsapp_message_queue set attempts = 2 where id = $1`, [id]);
    const stale = await report({ event: 'delivery_failed', queue_item_id: id, attempt: 1, error_code: '131047', error_message: 'Re-engagement message' });
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({ status: 'sent', stale: true });
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, error_code: null });
    const current = await report({ event: 'delivery_failed', queue_item_id: id, attempt: 2, error_code: '131047' });
    expect(current.body).toMatchObject({ status: 'failed', stale: false });
  });

  it('asks the Agent DB to retry (409) when the report overtakes our own completion, and keeps no receipt', async () => {
    const id = await itemIn('processing');
    const webhookId = randomUUID();
    const early = await report({ event: 'conversation_started', queue_item_id: id, conversation_id: 'conv-1' }, { webhookId });
    expect(early.status).toBe(409);
    expect(early.body.error?.code).toBe('not_ready');
    expect(early.headers.get('retry-after')).toBe('5');
    await stack.pool.query(`select public.complete_queue_item($1, 'test-worker', 'trg_1')`, [id]);
    const retried = await report({ event: 'conversation_started', queue_item_id: id, conversation_id: 'conv-1' }, { webhookId });
    expect(retried.body).toMatchObject({ ok: true, status: 'sent' });
    expect((await row(id)).agent_conversation_id).toBe('conv-1');
  });

  it('lead_replied records the reply and cancels the lead’s other waiting items (lead_replied)', async () => {
    const id = await itemIn('sent');
    const { rows: [{ lead_id: leadId }] } = await stack.pool.query(`select lead_id from public.whatsapp_message_queue where id = $1`, [id]);
    // Another admin action queued a follow-up for the same lead meanwhile.
    const { rows: [{ id: followUp }] } = await stack.pool.query(
      `insert into public.whatsapp_message_queue (lead_id, client_id, user_id, scheduled_for) select lead_id, client_id, user_id, now() + interval '1 day'
         from public.whatsapp_message_queue where id = $1 returning id`,
      [id],
    );
    const replied = await report({ event: 'lead_replied', lead_id: leadId, queue_item_id: id });
    expect(replied.status).toBe(200);
    expect(replied.body).toMatchObject({ ok: true, leadId, cancelledItems: 1 });
    expect(await row(followUp)).toMatchObject({ status: 'cancelled', error_code: 'lead_replied' });
    expect((await row(id)).status).toBe('sent');
    const { rows } = await stack.pool.query(`select last_replied_at from public.leads where id = $1`, [leadId]);
    expect(rows[0].last_replied_at).toBeInstanceOf(Date);
  });

  it('refuses a wrong signature (401), an unknown item or lead (404) and a malformed report (400)', async () => {
    const id = await itemIn('sent');
    const forged = await report({ event: 'delivery_failed', queue_item_id: id, attempt: 1, error_code: 'x' }, { secret: `whsec_${Buffer.from('not-the-secret-but-long-enough-24').toString('base64')}` });
    expect(forged.status).toBe(401);
    expect(forged.body.error?.code).toBe('invalid_signature');
    expect((await row(id)).status).toBe('sent');
    const unsigned = await invoke(stack.anon, 'agent-callback', { event: 'delivery_failed', queue_item_id: id, attempt: 1, error_code: 'x' });
    expect(unsigned.status).toBe(401);
    const unknown = await report({ event: 'conversation_started', queue_item_id: randomUUID(), conversation_id: 'c' });
    expect(unknown.status).toBe(404);
    const unknownLead = await report({ event: 'lead_opted_out', lead_id: randomUUID(), keyword: 'stop' });
    expect(unknownLead.status).toBe(404);
    const malformed = await report({ event: 'conversation_started', queue_item_id: 'nope' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('invalid_input');
    const noAttempt = await report({ event: 'delivery_failed', queue_item_id: id, error_code: 'x' });
    expect(noAttempt.status).toBe(400);
  });
});
