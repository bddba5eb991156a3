import { beforeAll, describe, expect, it } from 'vitest';
import { createRunningAdmins } from '../support/admins.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_CLIENT_ID } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * Fairness when the send budget is smaller than the work: 50 admins of one client, 2 due items each, a client budget
 * of 1,200 an hour (20 sends a minute). Every tick runs the real path (dispatcher SQL -> pg_net stand-in ->
 * queue-processor) with exactly a minute's budget: before each tick the client's bucket holds 20 tokens and its refill
 * clock is set ahead, so that nothing refills while the (slow, shared-machine) tick runs.
 */

const ADMINS = 50;
const PER_MINUTE = 20;

const stack = withStack({
  functions: true,
  sink: true,
  pgNet: true,
  cronSql: { sql: 'select public.dispatch_queue_processor()', intervalMs: 0 },
  env: { WHATSAPP_RATE_LIMIT_PER_HOUR: String(PER_MINUTE * 60), QUEUE_PROCESSOR_BUDGET_MS: '20000' },
});

let admins: string[] = [];

beforeAll(async () => {
  await stack.reset({ ...ALWAYS_OPEN });
  await stack.pool.query(`update public.user_queue_settings set processing_state = 'paused'`);
  admins = await createRunningAdmins(stack.pool, ADMINS, DEMO_CLIENT_ID, 'fair');
  await stack.pool.query(`update public.user_queue_settings set processing_delay_ms = 0 where user_id = any($1)`, [admins]);
  for (const userId of admins) await seedDueItems(stack.pool, { count: 2, userId });
  // One shard for the 50: within a shard a client's budget goes out in least-recently-served order; concurrent shards
  // of one client take its tokens in whatever order they run (README "Production topology").
  await stack.pool.query(`update private.processor_config set shard_size = 100`);
});

async function tick(): Promise<void> {
  await stack.pool.query(
    `insert into private.rate_buckets (bucket, tokens, updated_at) values ($1, $2, now() + interval '1 hour')
     on conflict (bucket) do update set tokens = excluded.tokens, updated_at = excluded.updated_at`,
    [`send:${DEMO_CLIENT_ID}`, PER_MINUTE],
  );
  await stack.sqlCron!.tick();
  expect(stack.sqlCron!.runs.at(-1)!.error).toBeNull();
  await stack.pgNet!.idle();
}

async function sentPerAdmin(): Promise<Map<string, number>> {
  const { rows } = await stack.pool.query<{ user_id: string; n: number }>(
    `select user_id, count(*)::int as n from public.whatsapp_message_queue where status = 'sent' and user_id = any($1) group by 1`, [admins]);
  return new Map(rows.map((row) => [row.user_id, row.n]));
}

describe('fairness', () => {
  it('50 admins due, a budget for 20 sends a tick: least recently served first, so after three ticks every admin has sends', async () => {
    await tick();
    let sent = await sentPerAdmin();
    // The bucket refills a token every 3 s while the tick runs, so a tick may send a little more than 20; never twice
    // to one admin while others of the client wait.
    const first = sent.size;
    expect(first).toBeGreaterThanOrEqual(PER_MINUTE);
    expect(first).toBeLessThan(ADMINS);
    expect([...sent.values()].every((n) => n === 1)).toBe(true);

    await tick();
    sent = await sentPerAdmin();
    // The second tick served those who had nothing yet first.
    expect(sent.size).toBeGreaterThanOrEqual(Math.min(ADMINS, first + PER_MINUTE));
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    await tick();
    sent = await sentPerAdmin();
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3 * PER_MINUTE);
    expect(admins.filter((userId) => !sent.has(userId))).toEqual([]);
    // None had a second send before every admin had a first.
    expect(Math.max(...sent.values())).toBe(2);
  });
});
