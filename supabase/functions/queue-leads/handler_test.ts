import assert from '../../../tests/support/denoAssert.ts';
import type { DatabaseClient } from '../_shared/db.ts';
import { handleQueueLeads } from './handler.ts';

const unused = {} as DatabaseClient;
const deps = { userClient: () => unused, service: unused };

Deno.test('queue-leads answers the CORS preflight', async () => {
  const response = await handleQueueLeads(new Request('http://x/queue-leads', { method: 'OPTIONS' }), deps);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
});

Deno.test('queue-leads without a session is 401 with a JSON error', async () => {
  const response = await handleQueueLeads(new Request('http://x/queue-leads', { method: 'POST', body: '{}' }), deps);
  assert.equal(response.status, 401);
  assert.deepEqual(Object.keys((await response.json()).error).sort(), ['code', 'message']);
});
