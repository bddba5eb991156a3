import assert from './testAssert.ts';
import { classifyResponse, parseRetryAfter, signWebhook, triggerAgent, verifyWebhook } from './agentWebhook.ts';

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
};

Deno.test('a signed delivery verifies with the same secret and fails with another', async () => {
  let seen: Request | null = null;
  const outcome = await triggerAgent(
    {
      url: 'http://agent.invalid/hook',
      apiKey: 'key-1',
      secret,
      timeoutMs: 1000,
      fetch: (input, init) => {
        seen = new Request(input, init);
        return Promise.resolve(new Response(JSON.stringify({ success: true, triggerId: 't-1' }), { status: 200 }));
      },
    },
    item,
    now,
  );
  assert.deepEqual(outcome, { kind: 'sent', status: 200, triggerId: 't-1' });
  const request = seen as unknown as Request;
  assert.equal(request.headers.get('authorization'), 'Bearer key-1');
  assert.equal(request.headers.get('webhook-id'), item.id);
  const body = await request.text();
  assert.equal(JSON.parse(body).event, 'lead_batch_ready');
  assert.deepEqual(await verifyWebhook(secret, request.headers, body, { now }), { ok: true, id: item.id });
  const other = `whsec_${btoa('another-secret-entirely-32-bytes')}`;
  assert.equal((await verifyWebhook(other, request.headers, body, { now })).ok, false);
  assert.equal((await verifyWebhook(secret, request.headers, `${body} `, { now })).ok, false);
  const late = new Date(now.getTime() + 10 * 60_000);
  assert.equal((await verifyWebhook(secret, request.headers, body, { now: late })).ok, false);
});

Deno.test('the signature matches the Standard Webhooks reference vector', async () => {
  // From the Standard Webhooks spec's test suite.
  const signature = await signWebhook(
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'msg_p5jXN8AQM9LWM0D4loKWxJek',
    1614265330,
    '{"test": 2432232314}',
  );
  assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

Deno.test('outcomes are classified as the fault matrix says', () => {
  assert.equal(classifyResponse(200, '{"success":true}', null, now).kind, 'sent');
  assert.equal(classifyResponse(200, '{"success":false}', null, now).kind, 'permanent');
  assert.equal(classifyResponse(202, 'not json', null, now).kind, 'permanent');
  assert.equal(classifyResponse(400, '', null, now).kind, 'permanent');
  assert.equal(classifyResponse(404, '', null, now).kind, 'permanent');
  assert.equal(classifyResponse(408, '', null, now).kind, 'retryable');
  assert.deepEqual(classifyResponse(429, '', '120', now), {
    kind: 'retryable',
    status: 429,
    code: 'http_429',
    message: 'Agent DB trigger failed: HTTP 429',
    retryAfterSeconds: 120,
  });
  assert.equal(classifyResponse(503, '', null, now).kind, 'retryable');
  assert.equal(parseRetryAfter('Mon, 05 Jan 2026 10:01:00 GMT', now), 60);
  assert.equal(parseRetryAfter('soon', now), null);
});

Deno.test('a hanging receiver times out as retryable; a refused connection too', async () => {
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
  assert.equal(hanging.kind === 'retryable' && hanging.code, 'timeout');
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const refused = await triggerAgent({ url: `http://127.0.0.1:${port}/hook`, apiKey: 'k', secret, timeoutMs: 2000 }, item, now);
  assert.equal(refused.kind === 'retryable' && refused.code, 'connection_error');
});
