import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AgentSink, signStandardWebhook, startAgentSink } from '../index.ts';
import { TEST_AGENT_API_KEY, TEST_WEBHOOK_SECRET } from '../testing/stack.ts';

let sink: AgentSink;
const NOW = new Date('2026-03-01T10:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function post(body: unknown, options: { key?: string; id?: string; timestamp?: number; tamper?: boolean; secret?: string; signal?: AbortSignal } = {}) {
  const raw = JSON.stringify(body);
  const signed = signStandardWebhook(options.secret ?? TEST_WEBHOOK_SECRET, options.id ?? 'item-1', options.timestamp ?? nowSeconds, raw);
  return fetch(sink.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? TEST_AGENT_API_KEY}`, ...signed },
    body: options.tamper ? raw.replace('Ada', 'Eve') : raw,
    signal: options.signal,
  });
}

beforeAll(async () => {
  sink = await startAgentSink({ apiKey: TEST_AGENT_API_KEY, webhookSecret: TEST_WEBHOOK_SECRET, now: () => NOW });
});
beforeEach(() => sink.reset());
afterAll(async () => {
  await sink?.close();
});

describe('Agent DB stand-in', () => {
  it('accepts a correctly signed webhook and answers like N8N', async () => {
    const response = await post({ event: 'lead_batch_ready', leads: [{ name: 'Ada' }] }, { id: 'queue-item-7' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ success: true, triggerId: expect.stringMatching(/^trg_/), leadId: null });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]).toMatchObject({
      seq: 1,
      webhookId: 'queue-item-7',
      authorized: true,
      verified: true,
      status: 200,
      triggerId: body.triggerId,
      body: { event: 'lead_batch_ready' },
      duplicate: false,
    });
  });

  it('keeps the Agent DB dedupe contract: a repeated webhook-id gets 200 with the first triggerId and is counted as a duplicate', async () => {
    const batch = { event: 'lead_batch_ready', leads: [{ lead_id: 'lead-9', queue_item_id: 'queue-item-9' }] };
    const first = await (await post(batch, { id: 'queue-item-9' })).json();
    const again = await post({ ...batch, metadata: { attempt: 2, redelivery: true } }, { id: 'queue-item-9' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true, triggerId: first.triggerId, leadId: 'lead-9' });
    expect(sink.counts()).toEqual({ messages: 1, duplicates: 1 });
    expect(sink.received.map((r) => r.duplicate)).toEqual([false, true]);
    // A failed first answer started nothing: the next delivery of that id is a first one.
    sink.behave({ status: 500, times: 1 });
    expect((await post(batch, { id: 'queue-item-10' })).status).toBe(500);
    expect((await post(batch, { id: 'queue-item-10' })).status).toBe(200);
    expect(sink.counts()).toEqual({ messages: 2, duplicates: 1 });
  });

  it('refuses a tampered body, a wrong secret, an old timestamp and a wrong API key', async () => {
    expect((await post({ leads: [{ name: 'Ada' }] }, { tamper: true })).status).toBe(401);
    expect((await post({ leads: [] }, { secret: 'whsec_b3RoZXItc2VjcmV0' })).status).toBe(401);
    expect((await post({ leads: [] }, { timestamp: nowSeconds - 301 })).status).toBe(401);
    const wrongKey = await post({ leads: [] }, { key: 'not-the-key' });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toEqual({ code: 401, message: 'Authorization data is wrong!' });
    expect(sink.received.map((r) => [r.authorized, r.verified])).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(sink.received[0]!.verifyError).toBe('no matching v1 signature');
    expect(sink.received[2]!.verifyError).toBe('webhook-timestamp outside tolerance');
  });

  it('can be told to fail a number of times, with Retry-After, then recover', async () => {
    sink.behave({ status: 429, retryAfterSeconds: 30, times: 2 });
    const first = await post({ n: 1 });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('30');
    expect((await post({ n: 2 })).status).toBe(429);
    expect((await post({ n: 3 })).status).toBe(200);
  });

  it('can hang, and can refuse connections until resumed', async () => {
    sink.behave({ hangMs: 3000, times: 1 });
    const timedOut = await post({ n: 1 }, { signal: AbortSignal.timeout(100) }).catch((error: Error) => error);
    expect((timedOut as Error).name).toBe('TimeoutError');
    // `times: 1`: the next call is answered at once, not after another 3 s.
    expect((await post({ n: 2 }, { signal: AbortSignal.timeout(2500) })).status).toBe(200);

    await sink.refuseConnections();
    const refused = await fetch(sink.webhookUrl, { method: 'POST', body: '{}' }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    // A socket undici pooled before the close fails as UND_ERR_SOCKET; a new one is refused.
    expect(['ECONNREFUSED', 'UND_ERR_SOCKET']).toContain((refused as Error & { cause?: { code?: string } }).cause?.code);
    const again = await fetch(sink.webhookUrl, { method: 'POST', body: '{}' }).catch((error: Error) => error);
    expect((again as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await sink.resume();
    expect((await post({ n: 4 })).status).toBe(200);
  });

  it('takes instructions over HTTP for demos', async () => {
    const control = await fetch(`${sink.url}/__control`, { method: 'POST', body: JSON.stringify({ behave: { status: 503, times: 1 } }) });
    expect(control.status).toBe(200);
    expect((await post({})).status).toBe(503);
    expect((await post({})).status).toBe(200);
    const list = (await (await fetch(`${sink.url}/__received`)).json()) as Array<{ status: number }>;
    expect(list.map((r) => r.status)).toEqual([503, 200]);
  });
});
