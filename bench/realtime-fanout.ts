/**
 * Realtime fan-out: N subscribers (spread over a few users, RLS on) while rows are inserted at a
 * steady rate; reports losses, order and delivery latency (insert start -> client callback).
 * Run: npx tsx bench/realtime-fanout.ts [subscribers=50] [changesPerSecond=100] [seconds=5]
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { applyBootstrap } from '@leads-queue/local-supabase';
import { userToken, watchChanges, type ChangeWatch, type RealtimeTestServer } from '@leads-queue/local-supabase/testing';
import { runIfMain, withThrowawayRealtime } from './standalone.ts';

export interface FanoutOptions {
  server: RealtimeTestServer;
  /** Superuser pool of the same database. */
  pool: pg.Pool;
  subscribers: number;
  users: number;
  changesPerSecond: number;
  seconds: number;
}

export interface FanoutResult {
  expected: number;
  received: number;
  lost: number;
  outOfOrder: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

const FIXTURE_SQL = `
  create table if not exists public.rt_fanout (
    id bigint generated always as identity primary key,
    owner uuid not null,
    seq int not null,
    sent_at double precision not null
  );
  alter table public.rt_fanout enable row level security;
  drop policy if exists rt_fanout_select on public.rt_fanout;
  create policy rt_fanout_select on public.rt_fanout for select to authenticated using (owner = (select auth.uid()));
  do $$ begin
    if not exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 'rt_fanout') then
      alter publication supabase_realtime add table public.rt_fanout;
    end if;
  end $$;
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const wallClock = () => performance.timeOrigin + performance.now();

export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  await options.pool.query(FIXTURE_SQL);
  const users: string[] = Array.from({ length: options.users }, () => randomUUID());
  const watches: { user: string; watch: ChangeWatch }[] = [];
  for (let i = 0; i < options.subscribers; i++) {
    const user = users[i % users.length] as string;
    const client = await options.server.client({ token: await userToken(user) });
    watches.push({ user, watch: await watchChanges(client, `fanout-${i}`, [{ event: 'INSERT', table: 'rt_fanout' }]) });
  }

  const total = options.changesPerSecond * options.seconds;
  const interval = 1000 / options.changesPerSecond;
  const started = performance.now();
  // One connection: its queries run (and commit) in issue order, so `seq` order is commit order.
  const writer = await options.pool.connect();
  // Chained, not piled on the client (pg 9 refuses a query while one runs); the time is taken when issued.
  let writes: Promise<unknown> = Promise.resolve();
  try {
    for (let seq = 0; seq < total; seq++) {
      const wait = started + seq * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const params = [users[seq % users.length], seq, wallClock()];
      writes = writes.then(() => writer.query('insert into public.rt_fanout (owner, seq, sent_at) values ($1, $2, $3)', params));
    }
    await writes;
  } finally {
    writer.release();
  }

  const perUser = new Map(users.map((user) => [user, 0]));
  for (let seq = 0; seq < total; seq++) {
    const user = users[seq % users.length] as string;
    perUser.set(user, (perUser.get(user) ?? 0) + 1);
  }
  await Promise.all(
    watches.map(({ user, watch }) => watch.waitFor((events) => events.length >= (perUser.get(user) ?? 0), 30_000).catch(() => {})),
  );

  const latencies: number[] = [];
  let received = 0;
  let outOfOrder = 0;
  let expected = 0;
  for (const { user, watch } of watches) {
    expected += perUser.get(user) ?? 0;
    received += watch.events.length;
    let last = -1;
    for (const event of watch.events) {
      const seq = Number(event.new.seq);
      if (seq < last) outOfOrder++;
      last = seq;
      latencies.push(performance.timeOrigin + event.receivedAt - Number(event.new.sent_at));
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    expected,
    received,
    lost: expected - received,
    outOfOrder,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}

runIfMain(import.meta.url, async () => {
  const [subscribers = 50, changesPerSecond = 100, seconds = 5] = process.argv.slice(2).map(Number);
  await withThrowawayRealtime(
    (url) => applyBootstrap(url),
    async (server, pool) => {
      const result = await runFanout({ server, pool, subscribers, users: 5, changesPerSecond, seconds });
      console.log(
        `realtime fan-out: ${subscribers} subscribers, ${changesPerSecond} changes/s for ${seconds} s -> ` +
          `${result.received}/${result.expected} delivered, ${result.lost} lost, ${result.outOfOrder} out of order; ` +
          `latency p50 ${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms`,
      );
    },
  );
});
