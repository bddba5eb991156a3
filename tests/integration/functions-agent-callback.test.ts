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

function report(body: unknown, secret = TEST_WEBHOOK_SECRET) {
  const raw = JSON.stringify(body);
  const headers = signStandardWebhook(secret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), raw);
  // The Agent DB has no Supabase session: it calls with the anon key as apikey and signs the body.
  return invoke(stack.anon, 'agent-callback', raw, { ...headers, 'Content-Type': 'application/json' });
}

async function row(id: string) {
  return (await stack.pool.query(`select status, agent_conversation_id, error_code, last_error from public.whatsapp_message_queue where id = $1`, [id])).rows[0];
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

  it('a WhatsApp delivery failure marks the item failed with its code, idempotently', async () => {
    const id = await itemIn('sent');
    const failed = await report({ event: 'delivery_failed', queue_item_id: id, error_code: '131026', error_message: 'Message undeliverable' });
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('failed');
    const again = await report({ event: 'delivery_failed', queue_item_id: id, error_code: '131026' });
    expect(again.body.status).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'failed', error_code: '131026', last_error: 'Message undeliverable' });
    const { rows } = await stack.pool.query(`select count(*)::int as n from public.queue_audit_log where queue_item_id = $1 and action = 'delivery_failed'`, [id]);
    expect(rows[0].n).toBe(1);
  });

  it('asks the Agent DB to retry (409) when the report overtakes our own completion', async () => {
    const id = await itemIn('processing');
    const early = await report({ event: 'conversation_started', queue_item_id: id, conversation_id: 'conv-1' });
    expect(early.status).toBe(409);
    expect(early.body.error?.code).toBe('not_ready');
    expect(early.headers.get('retry-after')).toBe('5');
  });

  it('refuses a wrong signature (401), an unknown item (404) and a malformed report (400)', async () => {
    const id = await itemIn('sent');
    const forged = await report({ event: 'delivery_failed', queue_item_id: id, error_code: 'x' }, `whsec_${Buffer.from('not-the-secret').toString('base64')}`);
    expect(forged.status).toBe(401);
    expect(forged.body.error?.code).toBe('invalid_signature');
    expect((await row(id)).status).toBe('sent');
    const unsigned = await invoke(stack.anon, 'agent-callback', { event: 'delivery_failed', queue_item_id: id, error_code: 'x' });
    expect(unsigned.status).toBe(401);
    const unknown = await report({ event: 'conversation_started', queue_item_id: randomUUID(), conversation_id: 'c' });
    expect(unknown.status).toBe(404);
    const malformed = await report({ event: 'conversation_started', queue_item_id: 'nope' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('invalid_input');
  });
});
