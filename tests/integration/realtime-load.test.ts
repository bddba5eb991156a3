import { afterAll, beforeAll, expect, it } from 'vitest';
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
  // Timing is reported by bench/realtime-fanout.ts; here only a bound no healthy run comes near.
  expect(result.p95Ms).toBeLessThan(2000);
}, 60_000);
