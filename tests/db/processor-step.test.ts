import { beforeEach, describe, expect, it } from 'vitest';
import { createRunningAdmins } from '../support/admins.ts';
import { as, withDatabase } from '../support/db.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN, resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';

const db = withDatabase();

interface Pair {
  user_id: string;
  client_id: string;
}

interface Claim extends Pair {
  reason?: string;
  error?: string;
  item?: { id: string; status: string; locked_by: string };
}

interface Step {
  settled: { item_id: string; status?: string; error?: string }[];
  claims: Claim[];
}

type Outcome = { item_id: string; client_id: string; kind: string } & Record<string, unknown>;

async function step(worker: string, outcomes: Outcome[], claims: Pair[]): Promise<Step> {
  const { rows } = await db.pool.query<{ step: Step }>(`select public.processor_step($1, $2, $3, now(), 60) as step`, [
    worker, JSON.stringify(outcomes), JSON.stringify(claims)]);
  return rows[0]!.step;
}

async function lease(worker: string, pairs: Pair[]): Promise<void> {
  await db.pool.query(`select * from public.lease_processor_pairs($1, $2, 60)`, [worker, JSON.stringify(pairs)]);
}

async function claimNext(worker: string, pair: Pair): Promise<Claim> {
  const { rows } = await db.pool.query<{ answer: Claim }>(`select public.claim_next_item($1, $2, $3, now(), 60) as answer`, [
    worker, pair.user_id, pair.client_id]);
  return rows[0]!.answer;
}

async function statuses(ids: string[]): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ id: string; status: string }>(`select id, status from public.whatsapp_message_queue where id = any($1)`, [ids]);
  return Object.fromEntries(rows.map((row) => [row.id, row.status]));
}

const pairOf = (userId: string, clientId = DEMO_CLIENT_ID): Pair => ({ user_id: userId, client_id: clientId });

beforeEach(async () => {
  await resetQueueState(db.pool, { ...ALWAYS_OPEN, processing_delay_ms: 0 });
  await db.pool.query(`delete from private.pair_pacing`);
  await db.pool.query(`update private.processor_config set batch_size = 10, processing_delay_ms = 0, rate_limit_per_hour = 100000`);
});

describe('processor_step', () => {
  it('claims the next item of every pair given, each as claim_next_item answers, in one call', async () => {
    const admins = await createRunningAdmins(db.pool, 3, DEMO_CLIENT_ID, 'step');
    await db.pool.query(`update public.user_queue_settings set processing_delay_ms = 0 where user_id = any($1)`, [admins]);
    for (const admin of admins) await seedDueItems(db.pool, { count: 2, userId: admin });
    const pairs = admins.map((admin) => pairOf(admin));
    await lease('w1', pairs.slice(0, 2));
    const answer = await step('w1', [], pairs);
    expect(answer.settled).toEqual([]);
    expect(answer.claims.map((claim) => claim.user_id)).toEqual(admins);
    expect(answer.claims[0]!.item).toMatchObject({ status: 'processing', locked_by: 'w1' });
    expect(answer.claims[1]!.item).toMatchObject({ status: 'processing', locked_by: 'w1' });
    // The third pair is not this worker's: claim_next_item's own refusal, nothing claimed.
    expect(answer.claims[2]).toEqual({ ...pairs[2], reason: 'not_leased' });
  });

  it('takes items in exactly claim_next_item\'s order (priority, then due time)', async () => {
    await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID, priority: 'low' });
    await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID, priority: 'high' });
    await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID, priority: 'immediate' });
    await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID });
    const demo = pairOf(DEMO_ADMIN_ID);
    await lease('w1', [demo]);
    const client = await db.pool.connect();
    let expected: string[];
    try {
      await client.query('begin');
      expected = [];
      for (let n = 0; n < 8; n += 1) {
        const { rows } = await client.query<{ answer: Claim }>(`select public.claim_next_item('w1', $1, $2, now(), 60) as answer`, [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
        expected.push(rows[0]!.answer.item!.id);
      }
      await client.query('rollback');
    } finally {
      client.release();
    }
    const taken: string[] = [];
    let outcomes: Outcome[] = [];
    for (let n = 0; n < 8; n += 1) {
      const answer = await step('w1', outcomes, [demo]);
      const item = answer.claims[0]!.item!;
      taken.push(item.id);
      outcomes = [{ item_id: item.id, client_id: DEMO_CLIENT_ID, kind: 'sent', trigger_id: `t-${n}` }];
    }
    expect(taken).toEqual(expected);
    expect((await step('w1', outcomes, [demo])).claims[0]!.reason).toBe('no_due_items');
    expect(Object.values(await statuses(taken))).toEqual(Array(8).fill('sent'));
  });

  it('settles before it claims: sent, permanent and retryable outcomes, and a Retry-After pause the same call\'s claims obey', async () => {
    const admins = await createRunningAdmins(db.pool, 3, DEMO_CLIENT_ID, 'settle');
    await db.pool.query(`update public.user_queue_settings set processing_delay_ms = 0 where user_id = any($1)`, [admins]);
    for (const admin of admins) await seedDueItems(db.pool, { count: 2, userId: admin, maxAttempts: 3 });
    await seedDueItems(db.pool, { count: 1, userId: OTHER_ADMIN_ID });
    await db.pool.query(`update public.user_queue_settings o set processing_delay_ms = 0, processing_state = 'running',
      holiday_calendar = d.holiday_calendar, business_hours = d.business_hours
      from public.user_queue_settings d where d.user_id = $2 and d.client_id = $3 and o.user_id = $1`, [OTHER_ADMIN_ID, DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
    const pairs = [...admins.map((admin) => pairOf(admin)), pairOf(OTHER_ADMIN_ID, OTHER_CLIENT_ID)];
    await lease('w1', pairs);
    const first = await step('w1', [], pairs.slice(0, 3));
    const [a, b, c] = first.claims.map((claim) => claim.item!.id) as [string, string, string];
    const pause = new Date(Date.now() + 120_000).toISOString();
    const answer = await step('w1', [
      { item_id: a, client_id: DEMO_CLIENT_ID, kind: 'sent', trigger_id: 'trigger-a' },
      { item_id: b, client_id: DEMO_CLIENT_ID, kind: 'permanent', message: 'template unknown', code: 'agent_rejected' },
      { item_id: c, client_id: DEMO_CLIENT_ID, kind: 'retryable', message: 'slow down', code: 'http_429', retry_after_seconds: 120, pause_until: pause },
    ], pairs);
    expect(answer.settled).toEqual([
      { item_id: a, status: 'sent' }, { item_id: b, status: 'failed' }, { item_id: c, status: 'pending' }]);
    // The pause reached every pair of the client; the other client's pair was claimed.
    expect(answer.claims.filter((claim) => claim.client_id === DEMO_CLIENT_ID).map((claim) => claim.reason)).toEqual(['client_paused', 'client_paused', 'client_paused']);
    expect(answer.claims.find((claim) => claim.client_id === OTHER_CLIENT_ID)!.item).toMatchObject({ status: 'processing' });
    const { rows } = await db.pool.query(`select sending_paused_until from public.clients where id = $1`, [DEMO_CLIENT_ID]);
    expect(rows[0].sending_paused_until.toISOString()).toBe(pause);
  });

  it('a client refused by its send budget: its later pairs in the call are refused without taking a token', async () => {
    const admins = await createRunningAdmins(db.pool, 3, DEMO_CLIENT_ID, 'budget');
    await db.pool.query(`update public.user_queue_settings set processing_delay_ms = 0, rate_limit_per_hour = 60 where user_id = any($1)`, [admins]);
    for (const admin of admins) await seedDueItems(db.pool, { count: 1, userId: admin });
    const pairs = admins.map((admin) => pairOf(admin));
    await lease('w1', pairs);
    const answer = await step('w1', [], pairs);
    // 60 an hour: a burst of one token.
    expect(answer.claims.map((claim) => claim.item ? 'item' : claim.reason)).toEqual(['item', 'rate_limited', 'rate_limited']);
    const { rows } = await db.pool.query(`select count(*)::int as n from public.whatsapp_message_queue where user_id = any($1) and status = 'processing'`, [admins]);
    expect(rows[0].n).toBe(1);
  });

  it('checks a step\'s pairs in one set as claim_check did pair by pair: same refusals, tokens, and stops of later pairs', async () => {
    const demo = await createRunningAdmins(db.pool, 8, DEMO_CLIENT_ID, 'sets');
    const other = await createRunningAdmins(db.pool, 2, OTHER_CLIENT_ID, 'sets-other');
    // 120 an hour: a burst of two tokens for the demo client's three pairs left for a token.
    await db.pool.query(`update public.user_queue_settings set processing_delay_ms = 0, rate_limit_per_hour = 120 where user_id = any($1)`, [[...demo, ...other]]);
    for (const admin of [...demo.filter((_, n) => n !== 1 && n !== 7), ...other]) await seedDueItems(db.pool, { count: 1, userId: admin });
    await db.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = $1`, [demo[3]]);
    await db.pool.query(`update public.clients set sending_paused_until = now() + interval '1 hour' where id = $1`, [OTHER_CLIENT_ID]);
    const pairs = [...other.map((admin) => pairOf(admin, OTHER_CLIENT_ID)), ...demo.map((admin) => pairOf(admin))];
    await lease('w1', pairs.filter((pair) => pair.user_id !== demo[4]));
    await db.pool.query(`update private.pair_pacing set next_send_at = now() + interval '1 hour' where user_id = $1`, [demo[2]]);

    const client = await db.pool.connect();
    const stripWait = (answers: Record<string, unknown>[]) => answers.map(({ wait_ms: _wait, ...rest }) => rest);
    const tokensLeft = async () => (await client.query<{ bucket: string; whole: number }>(
      `select bucket, floor(tokens)::int as whole from private.rate_buckets order by bucket`)).rows;
    try {
      // The reference: claim_check pair by pair in claim order, a client stopped by a budget or pause refusal.
      await client.query('begin');
      const reference: Record<string, unknown>[] = [];
      const stopped = new Map<string, string>();
      const ordered = pairs.map((pair, n) => ({ ...pair, n })).sort((a, b) => a.client_id.localeCompare(b.client_id) || a.n - b.n);
      for (const pair of ordered) {
        let result: Record<string, unknown>;
        if (stopped.has(pair.client_id)) result = { reason: stopped.get(pair.client_id) };
        else result = (await client.query(`select private.claim_check('w1', $1, $2, now()) as r`, [pair.user_id, pair.client_id])).rows[0].r;
        if (result.reason === 'rate_limited' || result.reason === 'client_paused') stopped.set(pair.client_id, result.reason as string);
        reference.push({ ...result, user_id: pair.user_id, client_id: pair.client_id });
      }
      const referenceTokens = await tokensLeft();
      await client.query('rollback');

      await client.query('begin');
      const { rows } = await client.query(`select answers, ready from private.claim_checks('w1', $1, now())`, [JSON.stringify(pairs)]);
      const sets = rows[0];
      expect(stripWait(sets.answers)).toEqual(stripWait(reference));
      expect(sets.ready).toEqual(reference.filter((answer) => answer.ready));
      expect(await tokensLeft()).toEqual(referenceTokens);
      await client.query('rollback');
    } finally {
      client.release();
    }
    const reasons = (await step('w1', [], pairs)).claims.map((claim) => claim.item ? 'item' : claim.reason);
    const demoFirst = DEMO_CLIENT_ID < OTHER_CLIENT_ID;
    const demoReasons = ['item', 'no_due_items', 'paced', 'not_running', 'not_leased', 'item', 'rate_limited', 'rate_limited'];
    const otherReasons = ['client_paused', 'client_paused'];
    expect(reasons).toEqual(demoFirst ? [...demoReasons, ...otherReasons] : [...otherReasons, ...demoReasons]);
  });

  it('an outcome for an item this worker does not hold is reported, and the rest of the call stands', async () => {
    const [held, stolen] = await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID }) as [string, string];
    const demo = pairOf(DEMO_ADMIN_ID);
    await lease('w1', [demo]);
    const claimed = await claimNext('w1', demo);
    expect([held, stolen]).toContain(claimed.item!.id);
    const other = claimed.item!.id === held ? stolen : held;
    const answer = await step('w1', [
      { item_id: other, client_id: DEMO_CLIENT_ID, kind: 'sent' },
      { item_id: claimed.item!.id, client_id: DEMO_CLIENT_ID, kind: 'sent', trigger_id: 't' },
    ], [demo]);
    expect(answer.settled[0]).toMatchObject({ item_id: other, error: expect.stringMatching(/not in flight for worker w1/) });
    expect(answer.settled[1]).toEqual({ item_id: claimed.item!.id, status: 'sent' });
    expect(answer.claims[0]!.item!.id).toBe(other);
  });

  it('refuses bad input, and is the service role\'s alone', async () => {
    await expect(db.pool.query(`select public.processor_step('w1', '{}'::jsonb, '[]'::jsonb)`)).rejects.toThrow(/arrays of at most 1000/);
    await expect(db.pool.query(`select public.processor_step('', '[]'::jsonb, '[]'::jsonb)`)).rejects.toThrow(/worker_id/);
    await expect(as(db.pool, USERS.demoAdmin, (client) => client.query(`select public.processor_step('w1', '[]'::jsonb, '[]'::jsonb)`)))
      .rejects.toThrow(/permission denied/);
  });
});
