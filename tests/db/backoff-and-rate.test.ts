import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { withDatabase } from '../support/db.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';

const db = withDatabase();

/** Claims the item, starts it, fails it retryably; returns the new status and the delay in seconds. */
async function failOnce(id: string, retryAfter: number | null = null) {
  await db.pool.query('update whatsapp_message_queue set next_attempt_at = null where id = $1', [id]);
  const { rows } = await db.pool.query("select id from claim_queue_batch('w', 1)");
  expect(rows[0]?.id).toBe(id);
  await db.pool.query("select start_queue_item($1, 'w')", [id]);
  const failed = await db.pool.query<{ status: string }>("select fail_queue_item($1, 'w', 'Agent DB answered 500', 'http_500', true, $2) as status", [
    id, retryAfter,
  ]);
  const waited = await db.pool.query<{ delay: number | null }>(
    'select extract(epoch from next_attempt_at - now())::float8 as delay from whatsapp_message_queue where id = $1', [id]);
  return { status: failed.rows[0]!.status, delay: waited.rows[0]!.delay };
}

describe('fail_queue_item backoff', () => {
  it('grows with attempts and ends in failed after max_attempts', async () => {
    await db.pool.query('delete from whatsapp_message_queue');
    const [lead] = await createLeads(db.pool, 1, undefined, 'backoff');
    const [id] = await insertItems(db.pool, [lead!], { maxAttempts: 5 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const outcome = await failOnce(id!);
      expect(outcome.status).toBe('pending');
      delays.push(outcome.delay!);
      const base = Math.min(3600, 30 * 2 ** (attempt - 1));
      expect(outcome.delay!).toBeGreaterThanOrEqual(base / 2 - 1);
      expect(outcome.delay!).toBeLessThanOrEqual(base + 1);
    }
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]! - 1);
    const last = await failOnce(id!);
    expect(last.status).toBe('failed');
    const item = (await db.pool.query('select attempts, error_code, processed_at, locked_by from whatsapp_message_queue where id = $1', [id])).rows[0];
    expect(item).toMatchObject({ attempts: 5, error_code: 'http_500', locked_by: null });
    expect(item.processed_at).not.toBeNull();
  });

  it('never retries sooner than Retry-After', async () => {
    const [lead] = await createLeads(db.pool, 1, undefined, 'retry-after');
    const [id] = await insertItems(db.pool, [lead!]);
    const outcome = await failOnce(id!, 900);
    expect(outcome.status).toBe('pending');
    expect(outcome.delay!).toBeGreaterThanOrEqual(899);
  });

  it('a permanent failure ends in failed at once', async () => {
    const [lead] = await createLeads(db.pool, 1, undefined, 'permanent');
    const [id] = await insertItems(db.pool, [lead!], { status: 'processing', lockedBy: 'w', attempts: 1 });
    const { rows } = await db.pool.query("select fail_queue_item($1, 'w', 'Bad request', 'http_400', false) s", [id]);
    expect(rows[0].s).toBe('failed');
  });
});

describe('take_rate_tokens', () => {
  it('grants at most the burst (per_hour / 60, at least 1) from a fresh bucket', async () => {
    const take = async (bucket: string, wanted: number, perHour: number) =>
      (await db.pool.query('select take_rate_tokens($1, $2, $3) n', [bucket, wanted, perHour])).rows[0].n as number;
    expect(await take('t:burst', 100, 600)).toBe(10);
    expect(await take('t:burst', 100, 600)).toBe(0);
    expect(await take('t:small', 5, 10)).toBe(1);
    expect(await take('t:small', 5, 10)).toBe(0);
  });

  it('refills continuously', async () => {
    await db.pool.query("insert into private.rate_buckets values ('t:refill', 0, now() - interval '30 seconds')");
    // 3600/h = 1 token a second: 30 s buys 30 tokens, capped at the burst of 60.
    const { rows } = await db.pool.query("select take_rate_tokens('t:refill', 100, 3600) n");
    expect(rows[0].n).toBeGreaterThanOrEqual(30);
    expect(rows[0].n).toBeLessThanOrEqual(31);
  });

  it('never grants more than the bucket holds under concurrent callers', async () => {
    const pools = Array.from({ length: 10 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const grants = await Promise.all(
        pools.flatMap((pool) =>
          Array.from({ length: 5 }, () => pool.query("select take_rate_tokens('t:race', 3, 1200) n").then((r) => r.rows[0].n as number)),
        ),
      );
      const total = grants.reduce((a, b) => a + b, 0);
      // Burst 20, plus at most a token of refill while the callers ran.
      expect(total).toBeGreaterThanOrEqual(20);
      expect(total).toBeLessThanOrEqual(21);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
