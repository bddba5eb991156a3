import { beforeEach, describe, expect, it } from 'vitest';
import { createRunningAdmins } from '../support/admins.ts';
import { as, withDatabase } from '../support/db.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN, resetQueueState } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';

const db = withDatabase();

interface Pair {
  user_id: string;
  client_id: string;
}

async function shards(at: string | null = null, size: number | null = null): Promise<{ shard: number; pairs: Pair[] }[]> {
  const { rows } = await db.pool.query(`select * from public.processor_shards(coalesce($1::timestamptz, now()), $2)`, [at, size]);
  return rows;
}

async function lease(worker: string, pairs: Pair[] | null, seconds = 60, environment: Record<string, number> | null = null): Promise<Pair[]> {
  const { rows } = await db.pool.query<Pair>(`select * from public.lease_processor_pairs($1, $2, $3, $4)`, [
    worker, pairs === null ? null : JSON.stringify(pairs), seconds, environment === null ? null : JSON.stringify(environment)]);
  return rows;
}

interface Claim {
  reason?: string;
  item?: { id: string; status: string; locked_by: string };
  next_send_at?: string;
  until?: string;
}

async function claim(worker: string, userId = DEMO_ADMIN_ID, clientId = DEMO_CLIENT_ID, at: string | null = null): Promise<Claim> {
  const { rows } = await db.pool.query<{ answer: Claim }>(
    `select public.claim_next_item($1, $2, $3, coalesce($4::timestamptz, now()), 60) as answer`, [worker, userId, clientId, at]);
  return rows[0]!.answer;
}

const DEMO: Pair = { user_id: DEMO_ADMIN_ID, client_id: DEMO_CLIENT_ID };

beforeEach(async () => {
  await resetQueueState(db.pool, ALWAYS_OPEN);
  await db.pool.query(`delete from private.pair_pacing`);
  await db.pool.query(`update private.processor_config set batch_size = 10, processing_delay_ms = 2000, rate_limit_per_hour = 1000, shard_size = 100`);
});

describe('the dispatcher', () => {
  it('splits N pairs with work into shards that cover each pair exactly once', async () => {
    const admins = await createRunningAdmins(db.pool, 230, DEMO_CLIENT_ID, 'shard');
    for (const admin of admins) await seedDueItems(db.pool, { count: 1, userId: admin });
    await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID });
    const split = await shards(null, 50);
    expect(split.map((s) => s.shard)).toEqual([0, 1, 2, 3, 4]);
    expect(split.map((s) => s.pairs.length)).toEqual([50, 50, 50, 50, 31]);
    const all = split.flatMap((s) => s.pairs.map((pair) => `${pair.user_id}/${pair.client_id}`));
    expect(all).toHaveLength(231);
    expect(new Set(all)).toEqual(new Set([...admins, DEMO_ADMIN_ID].map((id) => `${id}/${DEMO_CLIENT_ID}`)));
  });

  it('leaves out pairs without due work, paused, leased, outside their window, or of a paused client', async () => {
    const [idle, paused, leased, closed, due] = await createRunningAdmins(db.pool, 5, DEMO_CLIENT_ID, 'filter');
    for (const admin of [paused!, leased!, closed!, due!]) await seedDueItems(db.pool, { count: 1, userId: admin });
    await db.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = $1`, [paused]);
    await db.pool.query(`insert into private.pair_pacing (user_id, client_id, lease_owner, lease_until) select s.user_id, s.client_id, 'other', now() + interval '1 minute' from public.user_queue_settings s where s.user_id = $1 on conflict (user_id, client_id) do update set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until`, [leased]);
    await db.pool.query(`update public.user_queue_settings set business_hours = default, holiday_calendar = 'IL' where user_id = $1`, [closed]);
    const saturday = '2026-01-10T08:00:00Z';
    expect((await shards(saturday)).flatMap((s) => s.pairs.map((pair) => pair.user_id))).toEqual([due]);
    expect(idle).toBeDefined();
    await db.pool.query(`update public.clients set sending_paused_until = $2::timestamptz + interval '1 minute' where id = $1`, [DEMO_CLIENT_ID, saturday]);
    expect(await shards(saturday)).toEqual([]);
  });

  it('orders pairs least recently served first', async () => {
    const [a, b, c] = await createRunningAdmins(db.pool, 3, DEMO_CLIENT_ID, 'order');
    for (const admin of [a!, b!, c!]) await seedDueItems(db.pool, { count: 1, userId: admin });
    await db.pool.query(`insert into private.pair_pacing (user_id, client_id, last_served_at) select s.user_id, s.client_id, now() - interval '1 minute' from public.user_queue_settings s where s.user_id = $1 on conflict (user_id, client_id) do update set last_served_at = excluded.last_served_at`, [a]);
    await db.pool.query(`insert into private.pair_pacing (user_id, client_id, last_served_at) select s.user_id, s.client_id, now() - interval '2 minutes' from public.user_queue_settings s where s.user_id = $1 on conflict (user_id, client_id) do update set last_served_at = excluded.last_served_at`, [b]);
    const order = (await shards()).flatMap((s) => s.pairs.map((pair) => pair.user_id));
    expect(order).toEqual([c, b, a]);
  });

  it('queues one net.http_post per shard, to queue-processor with the service role key from Vault', async () => {
    const admins = await createRunningAdmins(db.pool, 25, DEMO_CLIENT_ID, 'dispatch');
    for (const admin of admins) await seedDueItems(db.pool, { count: 1, userId: admin });
    await db.pool.query(`update private.processor_config set shard_size = 10`);
    await db.pool.query(`delete from vault.decrypted_secrets where name in ('project_url', 'service_role_key')`);
    expect(await sqlError(db.pool.query(`select public.dispatch_queue_processor()`))).toMatch(/Vault secrets/);
    await db.pool.query(`insert into vault.decrypted_secrets (name, decrypted_secret) values ('project_url', 'http://project.test'), ('service_role_key', 'secret-key')`);
    const { rows } = await db.pool.query<{ ids: string[] }>(`select public.dispatch_queue_processor() as ids`);
    expect(rows[0]!.ids).toHaveLength(3);
    const { rows: requests } = await db.pool.query<{ method: string; url: string; headers: Record<string, string>; body: string; timeout_milliseconds: number }>(
      `select method, url, headers, convert_from(body, 'UTF8') as body, timeout_milliseconds from net.http_request_queue where id = any($1::bigint[]) order by id`,
      [rows[0]!.ids],
    );
    expect(requests.map((request) => [request.method, request.url, request.headers.Authorization])).toEqual(
      Array.from({ length: 3 }, () => ['POST', 'http://project.test/functions/v1/queue-processor', 'Bearer secret-key']));
    const bodies = requests.map((request) => JSON.parse(request.body) as { pairs: Pair[]; trigger: string; dispatchedAt: string });
    expect(bodies.map((body) => body.pairs.length)).toEqual([10, 10, 5]);
    expect(new Set(bodies.flatMap((body) => body.pairs.map((pair) => pair.user_id)))).toEqual(new Set(admins));
    expect(bodies.every((body) => body.trigger === 'dispatcher')).toBe(true);
    // Each call carries its tick, so a late one claims only for what is left of the tick's window.
    expect(new Set(bodies.map((body) => body.dispatchedAt)).size).toBe(1);
    expect(Math.abs(Date.parse(bodies[0]!.dispatchedAt) - Date.now())).toBeLessThan(60_000);
  });

  it('is the service role\'s alone', async () => {
    const refused = await sqlError(as(db.pool, USERS.demoAdmin, (client) => client.query(`select public.processor_shards()`)));
    expect(refused).toMatch(/permission denied/);
  });
});

describe('the pair lease', () => {
  it('one worker at a time: the second gets nothing until the first releases or its lease lapses', async () => {
    expect(await lease('w1', [DEMO])).toEqual([DEMO]);
    expect(await lease('w2', [DEMO])).toEqual([]);
    expect(await lease('w1', [DEMO])).toEqual([DEMO]);
    await db.pool.query(`select public.release_processor_pairs('w1', $1)`, [JSON.stringify([DEMO])]);
    expect(await lease('w2', [DEMO])).toEqual([DEMO]);
    await db.pool.query(`update private.pair_pacing set lease_until = now() - interval '1 second' where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(await lease('w3', [DEMO])).toEqual([DEMO]);
    const { rows } = await db.pool.query(`select last_processor_run_at from public.user_queue_settings where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(rows[0].last_processor_run_at).toBeInstanceOf(Date);
  });

  it('never leases a paused pair; with no list, the running pairs (one shard at most)', async () => {
    await db.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(await lease('w1', [DEMO])).toEqual([]);
    await db.pool.query(`update public.user_queue_settings set processing_state = 'running' where user_id = $1`, [DEMO_ADMIN_ID]);
    await createRunningAdmins(db.pool, 5, OTHER_CLIENT_ID, 'lease');
    await db.pool.query(`update private.processor_config set shard_size = 4`);
    expect(await lease('w1', null)).toHaveLength(4);
  });
});

describe('claim_next_item', () => {
  it('claims one item straight to processing, then refuses until the processing delay has passed', async () => {
    await db.pool.query(`update public.user_queue_settings set processing_delay_ms = 400 where user_id = $1`, [DEMO_ADMIN_ID]);
    const ids = await seedDueItems(db.pool, { count: 3, userId: DEMO_ADMIN_ID });
    expect((await claim('w1')).reason).toBe('not_leased');
    await lease('w1', [DEMO]);
    const first = await claim('w1');
    expect(first.item).toMatchObject({ status: 'processing', locked_by: 'w1' });
    expect(ids).toContain(first.item!.id);
    const paced = await claim('w1');
    expect(paced.reason).toBe('paced');
    expect(Date.parse(paced.next_send_at!)).toBe(Date.parse(first.next_send_at!));
    const { rows } = await db.pool.query(`select count(*)::int as n from public.whatsapp_message_queue where status <> 'pending'`);
    expect(rows[0].n).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(first.next_send_at!) - Date.now() + 20));
    expect((await claim('w1')).item?.status).toBe('processing');
  });

  it('refuses in order: window, client pause, capacity, nothing due (no token taken), send budget', async () => {
    await db.pool.query(`update public.user_queue_settings set processing_delay_ms = 0, max_capacity = 2, daily_target = 2,
      rate_limit_per_hour = 60, business_hours = default, holiday_calendar = 'IL' where user_id = $1`, [DEMO_ADMIN_ID]);
    await lease('w1', [DEMO]);
    const sunday = '2026-01-11T08:00:00Z';
    expect((await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, '2026-01-10T08:00:00Z')).reason).toBe('outside_window');
    expect((await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, sunday)).reason).toBe('no_due_items');
    const { rows: buckets } = await db.pool.query(`select count(*)::int as n from private.rate_buckets`);
    expect(buckets[0].n).toBe(0);
    await seedDueItems(db.pool, { count: 3, userId: DEMO_ADMIN_ID });
    await db.pool.query(`update public.clients set sending_paused_until = $2::timestamptz + interval '1 minute' where id = $1`, [DEMO_CLIENT_ID, sunday]);
    expect(await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, sunday)).toMatchObject({ reason: 'client_paused' });
    await db.pool.query(`update public.clients set sending_paused_until = null where id = $1`, [DEMO_CLIENT_ID]);
    // 60 an hour: a burst of one token.
    expect((await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, sunday)).item).toBeDefined();
    expect((await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, sunday)).reason).toBe('rate_limited');
    await db.pool.query(`update public.user_queue_settings set rate_limit_per_hour = null where user_id = $1`, [DEMO_ADMIN_ID]);
    await db.pool.query(`delete from private.rate_buckets`);
    expect((await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, sunday)).item).toBeDefined();
    expect((await claim('w1', DEMO_ADMIN_ID, DEMO_CLIENT_ID, sunday)).reason).toBe('capacity_reached');
  });

  it('refuses an owner who is no longer an admin of the client', async () => {
    await seedDueItems(db.pool, { count: 1, userId: DEMO_ADMIN_ID });
    await lease('w1', [DEMO]);
    await db.pool.query(`update public.client_members set role = 'manager' where user_id = $1 and client_id = $2`, [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
    try {
      // Demotion pauses the pair too; the lease and the claim both refuse.
      expect((await claim('w1')).reason).toBe('not_running');
      await db.pool.query(`update public.user_queue_settings set processing_state = 'running' where user_id = $1`, [DEMO_ADMIN_ID]);
      expect((await claim('w1')).reason).toBe('not_admin');
    } finally {
      await db.pool.query(`update public.client_members set role = 'admin' where user_id = $1 and client_id = $2`, [DEMO_ADMIN_ID, DEMO_CLIENT_ID]);
    }
  });
});

describe('broadcasts', () => {
  it('the processor\'s bookkeeping on the settings row (lease, claim) is not broadcast; a processing state change is', async () => {
    const settingsMessages = async () =>
      (await db.pool.query<{ n: number }>(`select count(*)::int as n from realtime.messages where event = 'user_queue_settings'`)).rows[0]!.n;
    await seedDueItems(db.pool, { count: 1, userId: DEMO_ADMIN_ID });
    const before = await settingsMessages();
    await lease('w1', [DEMO]);
    expect((await claim('w1')).item).toBeDefined();
    expect(await settingsMessages()).toBe(before);
    await db.pool.query(`update public.user_queue_settings set processing_state = 'paused' where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(await settingsMessages()).toBeGreaterThan(before);
  });
});

describe('the environment\'s defaults', () => {
  async function pacing(userId = DEMO_ADMIN_ID) {
    const { rows } = await db.pool.query(
      `select (p).* from (select private.effective_pacing(s) as p from public.user_queue_settings s where s.user_id = $1 and s.client_id = $2) x`,
      [userId, DEMO_CLIENT_ID]);
    return rows[0];
  }

  it('an admin who never chose a value gets the environment\'s; one who did gets theirs, capped by the environment\'s', async () => {
    const { rows } = await db.pool.query(`select batch_size, processing_delay_ms, rate_limit_per_hour from public.user_queue_settings where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(rows[0]).toEqual({ batch_size: null, processing_delay_ms: null, rate_limit_per_hour: null });
    expect(await pacing()).toEqual({ batch_size: 10, processing_delay_ms: 2000, rate_limit_per_hour: 1000 });
    // The processor reports its environment with its lease.
    await lease('w1', [DEMO], 60, { batch_size: 25, processing_delay_ms: 750, rate_limit_per_hour: 500 });
    expect(await pacing()).toEqual({ batch_size: 25, processing_delay_ms: 750, rate_limit_per_hour: 500 });
    await db.pool.query(`update public.user_queue_settings set batch_size = 5, processing_delay_ms = 3000, rate_limit_per_hour = 200 where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(await pacing()).toEqual({ batch_size: 5, processing_delay_ms: 3000, rate_limit_per_hour: 200 });
    await db.pool.query(`update public.user_queue_settings set batch_size = 90, rate_limit_per_hour = 5000 where user_id = $1`, [DEMO_ADMIN_ID]);
    expect(await pacing()).toEqual({ batch_size: 25, processing_delay_ms: 3000, rate_limit_per_hour: 500 });
  });

  it('the claim paces by the environment\'s delay when the admin has none', async () => {
    await db.pool.query(`update private.processor_config set processing_delay_ms = 1500`);
    await seedDueItems(db.pool, { count: 2, userId: DEMO_ADMIN_ID });
    await lease('w1', [DEMO]);
    const before = Date.now();
    const first = await claim('w1');
    const gap = Date.parse(first.next_send_at!) - before;
    expect(gap).toBeGreaterThanOrEqual(1400);
    expect(gap).toBeLessThan(2500);
  });

  it('signed-in users read the environment\'s values (the settings form\'s defaults)', async () => {
    const { rows } = await as(db.pool, USERS.demoAdmin, (client) => client.query(`select * from public.processor_defaults()`));
    expect(rows[0]).toEqual({ batch_size: 10, processing_delay_ms: 2000, rate_limit_per_hour: 1000 });
    expect(await sqlError(as(db.pool, 'anon', (client) => client.query(`select * from public.processor_defaults()`)))).toMatch(/permission denied/);
    expect(await sqlError(as(db.pool, USERS.demoAdmin, (client) => client.query(`select shard_size from private.processor_config`)))).toMatch(/permission denied/);
  });
});

async function sqlError(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
