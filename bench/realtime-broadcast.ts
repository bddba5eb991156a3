/**
 * The live queue on Broadcast at scale: `clients` clients with 2 admins and 8 managers each, `perClient` of
 * them connected (each its own socket, real realtime-js, its private topic joined through the policies),
 * while queue items are inserted at a steady rate, each for one admin of one client. Reports losses,
 * deliveries to the wrong client, latency (insert issued -> client callback) and the database work per
 * change: messages written (realtime.send) and the realtime server's own database use.
 * Run: npx tsx bench/realtime-broadcast.ts [clients=100] [perClient=10] [changesPerSecond=100] [seconds=5]
 */
import { randomUUID } from 'node:crypto';
import { RealtimeClient } from '@supabase/supabase-js';
import type pg from 'pg';
import WebSocket from 'ws';
import { ANON_KEY, resetDatabase } from '@leads-queue/local-supabase';
import { userToken, watchBroadcasts, type BroadcastWatch, type RealtimeTestServer } from '@leads-queue/local-supabase/testing';
import { queueTopic } from '../supabase/functions/_shared/queueTopics.ts';
import { percentile } from './lib.ts';
import { runIfMain, withThrowawayRealtime } from './standalone.ts';

export const ADMINS_PER_CLIENT = 2;
export const MEMBERS_PER_CLIENT = 10;

export interface Tenants {
  clients: { id: string; admins: string[]; managers: string[]; leads: string[] }[];
}

export interface BroadcastFanoutOptions {
  server: RealtimeTestServer;
  /** Superuser pool of the same (migrated) database. */
  pool: pg.Pool;
  tenants: Tenants;
  /** Connected members per client: the managers first (they get every change of the client), then the admins. */
  perClient: number;
  changesPerSecond: number;
  seconds: number;
}

export interface BroadcastFanoutResult {
  subscribers: number;
  changes: number;
  expected: number;
  received: number;
  lost: number;
  /** Messages that reached a member not allowed to see them (another client's, another admin's). */
  crossed: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** realtime.messages rows written per change (one per topic and statement). */
  messagesPerChange: number;
  /** Times the realtime server used a database connection per change while delivering. */
  serverCallsPerChange: number;
  /** Mean time from issuing a change to its commit (its triggers included). */
  commitMs: number;
  /** Latency from the writer seeing the commit to the callback: what delivery adds (the two overlap, so it can be < 0). */
  afterCommitP50Ms: number;
  afterCommitP95Ms: number;
}

const LEADS_PER_CLIENT = 80;
const WRITERS = 10;

/** Clients, their members (auth users) and leads, written once: every phase of a run shares them. */
export async function createTenants(pool: pg.Pool, clients: number): Promise<Tenants> {
  const tenants: Tenants = { clients: [] };
  for (let c = 0; c < clients; c++) {
    const members = Array.from({ length: MEMBERS_PER_CLIENT }, () => randomUUID());
    tenants.clients.push({ id: randomUUID(), admins: members.slice(0, ADMINS_PER_CLIENT), managers: members.slice(ADMINS_PER_CLIENT), leads: [] });
  }
  const all = tenants.clients.flatMap((client) =>
    [...client.admins.map((user) => [client.id, user, 'admin']), ...client.managers.map((user) => [client.id, user, 'manager'])],
  );
  await pool.query(
    `insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
     select '00000000-0000-0000-0000-000000000000', u, 'authenticated', 'authenticated', u || '@bench.test', now(), now()
       from unnest($1::uuid[]) u`,
    [all.map(([, user]) => user)],
  );
  await pool.query(`insert into public.clients (id, name) select c, 'Bench ' || c from unnest($1::uuid[]) c`, [tenants.clients.map((c) => c.id)]);
  await pool.query(
    `insert into public.client_members (client_id, user_id, role)
     select c, u, r::public.member_role from unnest($1::uuid[], $2::uuid[], $3::text[]) as m(c, u, r)`,
    [all.map(([client]) => client), all.map(([, user]) => user), all.map(([, , role]) => role)],
  );
  const { rows } = await pool.query<{ client_id: string; id: string }>(
    `insert into public.leads (client_id, name, phone)
     select c, 'Bench lead ' || i, '+9725' || lpad(i::text, 8, '0')
       from unnest($1::uuid[]) c, generate_series(1, $2::int) i
     returning client_id, id`,
    [tenants.clients.map((c) => c.id), LEADS_PER_CLIENT],
  );
  const byClient = new Map(tenants.clients.map((client) => [client.id, client]));
  for (const row of rows) byClient.get(row.client_id)?.leads.push(row.id);
  return tenants;
}

interface Subscriber {
  clientId: string;
  /** Null for a manager. */
  adminId: string | null;
  watch: BroadcastWatch;
  socket: RealtimeClient;
}

async function subscribe(server: RealtimeTestServer, clientId: string, userId: string, admin: boolean): Promise<Subscriber> {
  const token = await userToken(userId);
  const socket = new RealtimeClient(server.wsUrl.replace(/\/websocket$/, ''), {
    params: { apikey: ANON_KEY },
    transport: WebSocket as never,
    accessToken: async () => token,
  });
  await socket.setAuth();
  const watch = await watchBroadcasts(socket, admin ? queueTopic(clientId, userId) : queueTopic(clientId));
  return { clientId, adminId: admin ? userId : null, watch, socket };
}

/** Joins `perClient` members of every client, `parallel` joins at a time. */
async function subscribeAll(server: RealtimeTestServer, tenants: Tenants, perClient: number): Promise<Subscriber[]> {
  const plan = tenants.clients.flatMap((client) =>
    [...client.managers.map((user) => [client.id, user, false] as const), ...client.admins.map((user) => [client.id, user, true] as const)].slice(0, perClient),
  );
  const subscribers: Subscriber[] = [];
  const parallel = 20;
  for (let i = 0; i < plan.length; i += parallel) {
    subscribers.push(...(await Promise.all(plan.slice(i, i + parallel).map(([client, user, admin]) => subscribe(server, client, user, admin)))));
  }
  return subscribers;
}

export async function runBroadcastFanout(options: BroadcastFanoutOptions): Promise<BroadcastFanoutResult> {
  const { pool, server, tenants } = options;
  const subscribers = await subscribeAll(server, tenants, options.perClient);
  const total = options.changesPerSecond * options.seconds;
  const interval = 1000 / options.changesPerSecond;
  // Change k: client k mod C, its admin (k div C) mod 2, the client's next free lead.
  const used = new Map<string, number>();
  const changes = Array.from({ length: total }, (_, k) => {
    const client = tenants.clients[k % tenants.clients.length]!;
    const lead = client.leads[used.get(client.id) ?? 0];
    if (!lead) throw new Error(`client ${client.id} ran out of bench leads`);
    used.set(client.id, (used.get(client.id) ?? 0) + 1);
    return { id: randomUUID(), clientId: client.id, adminId: client.admins[Math.floor(k / tenants.clients.length) % ADMINS_PER_CLIENT]!, leadId: lead };
  });
  for (const client of tenants.clients) client.leads.splice(0, used.get(client.id) ?? 0);

  const issuedAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const commitTimes: number[] = [];
  const { rows: [before] } = await pool.query<{ at: string }>('select clock_timestamp()::timestamp::text as at');
  const serverCallsBefore = server.realtime.broadcastDatabaseCalls();
  // A few connections, as many callers write at once (one connection cannot commit 100 times a second with
  // fsync on); a client's changes always take the same one, so each topic sees them in issue order.
  const writers = await Promise.all(Array.from({ length: WRITERS }, () => pool.connect()));
  const chains: Promise<unknown>[] = writers.map(() => Promise.resolve());
  const clientIndex = new Map(tenants.clients.map((client, index) => [client.id, index]));
  const started = performance.now();
  try {
    for (const [seq, change] of changes.entries()) {
      const wait = started + seq * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const t0 = performance.now();
      issuedAt.set(change.id, t0);
      const lane = (clientIndex.get(change.clientId) ?? 0) % WRITERS;
      chains[lane] = (chains[lane] as Promise<unknown>).then(async () => {
        await (writers[lane] as pg.PoolClient).query(
          'insert into public.whatsapp_message_queue (id, lead_id, client_id, user_id) values ($1, $2, $3, $4)',
          [change.id, change.leadId, change.clientId, change.adminId],
        );
        committedAt.set(change.id, performance.now());
        commitTimes.push(performance.now() - t0);
      });
    }
    await Promise.all(chains);
  } finally {
    for (const writer of writers) writer.release();
  }

  const expectedBy = (subscriber: Subscriber) =>
    changes.filter((c) => c.clientId === subscriber.clientId && (subscriber.adminId === null || c.adminId === subscriber.adminId));
  await Promise.all(
    subscribers.map((subscriber) => {
      const count = expectedBy(subscriber).length;
      return subscriber.watch.waitFor((messages) => messages.length >= count, 30_000).catch(() => {});
    }),
  );
  const serverCalls = server.realtime.broadcastDatabaseCalls() - serverCallsBefore;
  const { rows: [messages] } = await pool.query<{ n: number }>(
    `select count(*)::int as n from realtime.messages where inserted_at >= $1 and event = 'whatsapp_message_queue'`,
    [before?.at],
  );

  const latencies: number[] = [];
  const afterCommit: number[] = [];
  let expected = 0;
  let received = 0;
  let crossed = 0;
  for (const subscriber of subscribers) {
    const wanted = new Set<string>(expectedBy(subscriber).map((c) => c.id));
    expected += wanted.size;
    for (const message of subscriber.watch.messages) {
      for (const row of (message.payload.rows ?? []) as { id: string; client_id: string; user_id: string }[]) {
        if (row.client_id !== subscriber.clientId || (subscriber.adminId !== null && row.user_id !== subscriber.adminId)) crossed++;
        if (!wanted.delete(row.id)) continue;
        received++;
        latencies.push(message.receivedAt - (issuedAt.get(row.id) ?? Number.NaN));
        afterCommit.push(message.receivedAt - (committedAt.get(row.id) ?? Number.NaN));
      }
    }
  }
  await Promise.all(subscribers.map(async ({ socket }) => {
    await socket.removeAllChannels();
    socket.disconnect();
  }));
  return {
    subscribers: subscribers.length,
    changes: total,
    expected,
    received,
    lost: expected - received,
    crossed,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: latencies.length === 0 ? Number.NaN : latencies.reduce((max, ms) => Math.max(max, ms), -Infinity),
    messagesPerChange: (messages?.n ?? 0) / total,
    serverCallsPerChange: serverCalls / total,
    commitMs: commitTimes.reduce((sum, ms) => sum + ms, 0) / Math.max(1, commitTimes.length),
    afterCommitP50Ms: percentile(afterCommit, 50),
    afterCommitP95Ms: percentile(afterCommit, 95),
  };
}

export function describeResult(r: BroadcastFanoutResult): string {
  return (
    `${r.subscribers} subscribers, ${r.changes} changes -> ${r.received}/${r.expected} delivered, ${r.lost} lost, ${r.crossed} to the wrong member; ` +
    `latency p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms ` +
    `(after commit p50 ${r.afterCommitP50Ms.toFixed(1)} ms, p95 ${r.afterCommitP95Ms.toFixed(1)} ms); ` +
    `${r.messagesPerChange.toFixed(2)} messages and ${r.serverCallsPerChange.toFixed(2)} server database calls per change, commit ${r.commitMs.toFixed(2)} ms`
  );
}

runIfMain(import.meta.url, async () => {
  const [clients = 100, perClient = 10, changesPerSecond = 100, seconds = 5] = process.argv.slice(2).map(Number);
  await withThrowawayRealtime(
    async (url, pool) => {
      await resetDatabase(url, { seed: false });
      return createTenants(pool, clients);
    },
    async (server, pool, tenants) => {
      const result = await runBroadcastFanout({ server, pool, tenants, perClient, changesPerSecond, seconds });
      console.log(`realtime broadcast: ${describeResult(result)}`);
    },
  );
});
