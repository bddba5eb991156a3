import assert from '../../../tests/support/denoAssert.ts';
import { handleQueueProcessor, shiftedClock } from './handler.ts';

const deps = {
  serviceRoleKey: 'service-key',
  configProblem: null,
  serverClock: () => new Date('2026-01-05T10:00:00Z'),
  makeDeps: () => {
    throw new Error('must not run');
  },
};

Deno.test('queue-processor refuses callers without the service role key', async () => {
  const none = await handleQueueProcessor(new Request('http://x/queue-processor', { method: 'POST' }), deps);
  assert.equal(none.status, 401);
  const user = await handleQueueProcessor(
    new Request('http://x/queue-processor', { method: 'POST', headers: { Authorization: 'Bearer a-user-jwt' } }),
    deps,
  );
  assert.equal(user.status, 403);
  assert.equal((await user.json()).error.code, 'forbidden');
});

Deno.test('queue-processor rejects a malformed body before running', async () => {
  const response = await handleQueueProcessor(
    new Request('http://x/queue-processor', { method: 'POST', headers: { Authorization: 'Bearer service-key' }, body: '{"now":"yesterday"}' }),
    deps,
  );
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error.code, 'invalid_input');
});

Deno.test('queue-processor refuses to run (503 config_error) when the Agent DB settings cannot sign, and claims nothing', async () => {
  const response = await handleQueueProcessor(
    new Request('http://x/queue-processor', { method: 'POST', headers: { Authorization: 'Bearer service-key' }, body: '{}' }),
    { ...deps, configProblem: 'AGENT_DB_WEBHOOK_SECRET is not set' },
  );
  assert.equal(response.status, 503);
  assert.deepEqual((await response.json()).error, { code: 'config_error', message: 'Nothing was sent: AGENT_DB_WEBHOOK_SECRET is not set' });
});

Deno.test('a shifted clock starts at the given time and advances with the server clock', () => {
  let server = new Date('2026-01-05T10:00:00Z').getTime();
  const clock = shiftedClock(new Date('2024-01-15T07:00:00Z'), () => new Date(server));
  assert.equal(clock().toISOString(), '2024-01-15T07:00:00.000Z');
  server += 1500;
  assert.equal(clock().toISOString(), '2024-01-15T07:00:01.500Z');
});
