import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { agentConfigProblem, classifyResponse, parseRetryAfter, payloadJson, signWebhook, triggerAgent, verifyWebhook, webhookSecretProblem } from '../agentWebhook.ts';

const secret = `whsec_${btoa('a-32-byte-secret-for-the-agent!!')}`;
const now = new Date('2026-01-05T10:00:00Z');
const item = {
  id: '6f1c1c1e-1111-4111-8111-000000000001',
  lead_id: '6f1c1c1e-2222-4222-8222-000000000002',
  client_id: '11111111-1111-4111-8111-111111111111',
  priority: 'high',
  message_template: 'initial_outreach',
  message_variables: { name: 'Dana' },
  attempts: 1,
  redelivery: false,
};

describe('the Agent DB webhook', () => {
  it('a signed delivery verifies with the same secret and fails with another', async () => {
    const seen: Request[] = [];
    const outcome = await triggerAgent(
      {
        url: 'http://agent.invalid/hook',
        apiKey: 'key-1',
        secret,
        timeoutMs: 1000,
        fetch: (input, init) => {
          seen.push(new Request(input, init));
          return Promise.resolve(new Response(JSON.stringify({ success: true, triggerId: 't-1' }), { status: 200 }));
        },
      },
      item,
      now,
    );
    expect(outcome).toEqual({ kind: 'sent', status: 200, triggerId: 't-1' });
    const request = seen[0]!;
    expect(request.headers.get('authorization')).toBe('Bearer key-1');
    expect(request.headers.get('webhook-id')).toBe(item.id);
    const body = await request.text();
    expect(JSON.parse(body).event).toBe('lead_batch_ready');
    expect(await verifyWebhook(secret, request.headers, body, { now })).toEqual({ ok: true, id: item.id });
    const other = `whsec_${btoa('another-secret-entirely-32-bytes')}`;
    expect((await verifyWebhook(other, request.headers, body, { now })).ok).toBe(false);
    expect((await verifyWebhook(secret, request.headers, `${body} `, { now })).ok).toBe(false);
    const late = new Date(now.getTime() + 10 * 60_000);
    expect((await verifyWebhook(secret, request.headers, body, { now: late })).ok).toBe(false);
  });

  it('keeps the webhook-id across attempts and says which attempt, and whether it is a redelivery', async () => {
    const bodies: unknown[] = [];
    const ids: Array<string | null> = [];
    const agent = {
      url: 'http://agent.invalid/hook',
      apiKey: 'key-1',
      secret,
      timeoutMs: 1000,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        ids.push(request.headers.get('webhook-id'));
        bodies.push(JSON.parse(await request.text()));
        return new Response(JSON.stringify({ success: true, triggerId: 't-1' }), { status: 200 });
      },
    };
    await triggerAgent(agent, item, now);
    await triggerAgent(agent, { ...item, attempts: 2, redelivery: true }, now);
    expect(ids).toEqual([item.id, item.id]);
    expect(bodies.map((body) => (body as { metadata: unknown }).metadata)).toEqual([
      { triggered_by: 'queue_processor', timestamp: now.toISOString(), client_id: item.client_id, attempt: 1, redelivery: false },
      { triggered_by: 'queue_processor', timestamp: now.toISOString(), client_id: item.client_id, attempt: 2, redelivery: true },
    ]);
  });

  it('writes the payload exactly as JSON.stringify of the spec\'s object, whatever the template and variables hold', () => {
    for (const variables of [{ name: 'דנה "the" \\ \u2028 \n', nested: { list: [1, null, true] } }, null, [], 'text']) {
      const odd = { ...item, message_template: 'quote " backslash \\ emoji 😀 </script>', message_variables: variables, attempts: 3, redelivery: true };
      expect(payloadJson(odd, now)).toBe(JSON.stringify({
        event: 'lead_batch_ready',
        leads: [{ lead_id: odd.lead_id, queue_item_id: odd.id, priority: odd.priority, template: odd.message_template, variables: variables ?? {} }],
        metadata: { triggered_by: 'queue_processor', timestamp: now.toISOString(), client_id: odd.client_id, attempt: 3, redelivery: true },
      }));
    }
  });

  it('accepts only a whsec_ secret of 24 to 64 base64 bytes, and a key when a URL is set', () => {
    expect(webhookSecretProblem(secret)).toBeNull();
    expect(webhookSecretProblem(`whsec_${btoa('x'.repeat(64))}`)).toBeNull();
    expect(webhookSecretProblem('')).toBe('AGENT_DB_WEBHOOK_SECRET is not set');
    expect(webhookSecretProblem('a-32-byte-secret-for-the-agent!!')).toBe('AGENT_DB_WEBHOOK_SECRET must start with whsec_');
    expect(webhookSecretProblem('whsec_not base64!')).toBe('AGENT_DB_WEBHOOK_SECRET is not valid base64 after whsec_');
    expect(webhookSecretProblem(`whsec_${btoa('short')}`)).toBe('AGENT_DB_WEBHOOK_SECRET holds 5 bytes; a Standard Webhooks secret holds 24 to 64');
    expect(webhookSecretProblem(`whsec_${btoa('x'.repeat(65))}`)).toMatch(/holds 65 bytes/);
    expect(agentConfigProblem({ url: null, apiKey: '', secret: '' })).toBeNull();
    expect(agentConfigProblem({ url: 'http://agent.invalid', apiKey: '', secret })).toBe('AGENT_DB_API_KEY is not set while AGENT_DB_WEBHOOK_URL is');
    expect(agentConfigProblem({ url: 'http://agent.invalid', apiKey: 'k', secret: 'whsec_' })).toMatch(/holds 0 bytes/);
  });

  it('the signature matches the Standard Webhooks reference vector', async () => {
    // From the Standard Webhooks spec's test suite.
    const signature = await signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('outcomes are classified as the fault matrix says', () => {
    expect(classifyResponse(200, '{"success":true}', null, now).kind).toBe('sent');
    expect(classifyResponse(200, '{"success":false}', null, now).kind).toBe('permanent');
    expect(classifyResponse(202, 'not json', null, now).kind).toBe('permanent');
    expect(classifyResponse(400, '', null, now).kind).toBe('permanent');
    expect(classifyResponse(404, '', null, now).kind).toBe('permanent');
    expect(classifyResponse(408, '', null, now).kind).toBe('retryable');
    expect(classifyResponse(429, '', '120', now)).toEqual({
      kind: 'retryable',
      status: 429,
      code: 'http_429',
      message: 'Agent DB trigger failed: HTTP 429',
      retryAfterSeconds: 120,
    });
    expect(classifyResponse(503, '', null, now).kind).toBe('retryable');
    expect(parseRetryAfter('Mon, 05 Jan 2026 10:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('a hanging receiver times out as retryable; a refused connection too', async () => {
    const hanging = await triggerAgent(
      {
        url: 'http://agent.invalid/hook',
        apiKey: 'k',
        secret,
        timeoutMs: 50,
        fetch: (_input, init) =>
          new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
      },
      item,
      now,
    );
    expect(hanging.kind === 'retryable' && hanging.code).toBe('timeout');
    const port = await releasedPort();
    const refused = await triggerAgent({ url: `http://127.0.0.1:${port}/hook`, apiKey: 'k', secret, timeoutMs: 2000 }, item, now);
    expect(refused.kind === 'retryable' && refused.code).toBe('connection_error');
  });
});

/** A loopback port nothing listens on: the system hands one out, and it is closed again at once. */
function releasedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
