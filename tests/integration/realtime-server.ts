/**
 * A minimal HTTP server carrying only the Realtime endpoint, so the realtime tests and the fan-out
 * bench do not depend on the gateway. JWTs are HS256 with the CLI's local secret, as in the stack.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT, jwtVerify } from 'jose';
import pg from 'pg';
import WebSocket from 'ws';
import { attachRealtime, type RealtimeServer } from '../../local-supabase/realtime/server.ts';
import type { RequestAuth } from '../../local-supabase/types.ts';

export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';
export const SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';
const secret = new TextEncoder().encode(JWT_SECRET);

export async function verifyTestToken(token: string): Promise<RequestAuth> {
  const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] });
  return { role: typeof payload.role === 'string' ? payload.role : 'anon', claims: payload as Record<string, unknown> };
}

/** An access token like GoTrue's for `userId`, valid for an hour. */
export async function userToken(userId: string, email = `${userId}@example.test`): Promise<string> {
  return new SignJWT({ sub: userId, email, role: 'authenticated', aud: 'authenticated', aal: 'aal1', is_anonymous: false })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(secret);
}

export interface RealtimeTestServer {
  url: string;
  /** ws:// URL of the websocket endpoint (without query). */
  wsUrl: string;
  realtime: RealtimeServer;
  pool: pg.Pool;
  /** A supabase-js client on this server; `token` is the user's access token (else the key's role). */
  client(options?: { key?: string; token?: string; vsn?: '1.0.0' | '2.0.0' }): Promise<SupabaseClient>;
  /** Switches a client made with `token` to another user's token (sent to the server as access_token). */
  setToken(client: SupabaseClient, token: string): Promise<void>;
  close(): Promise<void>;
}

/** `databaseUrl` is a superuser URL; the server's pool logs in as `authenticator`, as in the stack. */
export async function startRealtimeTestServer(
  databaseUrl: string,
  options: { idleTimeoutMs?: number; now?: () => Date } = {},
): Promise<RealtimeTestServer> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const authenticatorUrl = new URL(databaseUrl);
  authenticatorUrl.username = 'authenticator';
  authenticatorUrl.password = 'postgres';
  const pool = new pg.Pool({ connectionString: authenticatorUrl.toString(), max: 10 });
  const realtime = await attachRealtime({
    server,
    pool,
    databaseUrl,
    verifyToken: verifyTestToken,
    idleTimeoutMs: options.idleTimeoutMs,
    now: options.now,
    log: (message, error) => {
      if (process.env.LQ_REALTIME_DEBUG) console.error(message, error);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: SupabaseClient[] = [];
  const tokens = new WeakMap<SupabaseClient, { token: string | undefined }>();
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/realtime/v1/websocket`,
    realtime,
    pool,
    client: async ({ key = ANON_KEY, token, vsn } = {}) => {
      const holder = { token };
      const client = createClient(url, key, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport: WebSocket as never, ...(vsn ? { vsn } : {}) },
        // As a signed-in app does: realtime asks for the current token on every (re)connect.
        ...(token ? { accessToken: async () => holder.token ?? key } : {}),
      });
      tokens.set(client, holder);
      if (token) await client.realtime.setAuth();
      clients.push(client);
      return client;
    },
    setToken: async (client, token) => {
      const holder = tokens.get(client);
      if (!holder) throw new Error('client was not created by this server');
      holder.token = token;
      await client.realtime.setAuth();
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.removeAllChannels()));
      for (const client of clients) client.realtime.disconnect();
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

export interface ChangeBinding {
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema?: string;
  /** Omitted: every published table of the schema. */
  table?: string;
  filter?: string;
}

export interface ReceivedChange {
  /** Index of the binding (in the order given to watchChanges) that fired. */
  binding: number;
  eventType: string;
  new: Record<string, unknown>;
  old: Record<string, unknown>;
  commit_timestamp: string;
  receivedAt: number;
}

export interface ChangeWatch {
  channel: RealtimeChannel;
  events: ReceivedChange[];
  /** Resolves when `done(events)` holds; rejects after `timeoutMs`. Event-driven, no polling. */
  waitFor(done: (events: ReceivedChange[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Number of times the channel reported SUBSCRIBED (joins and rejoins). */
  joins(): number;
  waitForJoins(count: number, timeoutMs?: number): Promise<void>;
}

/** Subscribes a channel with the given bindings and resolves once the server confirmed the join. */
export async function watchChanges(client: SupabaseClient, name: string, bindings: ChangeBinding[]): Promise<ChangeWatch> {
  const events: ReceivedChange[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  let joins = 0;
  let failure: Error | null = null;
  const channel = client.channel(name);
  bindings.forEach((binding, index) => {
    channel.on('postgres_changes', { schema: 'public', ...binding }, (payload) => {
      events.push({
        binding: index,
        eventType: payload.eventType,
        new: payload.new as Record<string, unknown>,
        old: payload.old as Record<string, unknown>,
        commit_timestamp: payload.commit_timestamp,
        receivedAt: performance.now(),
      });
      notify();
    });
  });
  const until = (done: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (failure) finish(failure);
        else if (done()) finish(null);
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${name}`)), timeoutMs);
      const finish = (error: Error | null) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      waiters.add(check);
      check();
    });
  channel.subscribe((status, error) => {
    if (status === 'SUBSCRIBED') joins++;
    // Errors after the first join are socket drops the client recovers from by rejoining.
    else if (joins === 0 && (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT')) failure = error ?? new Error(status);
    notify();
  });
  const watch: ChangeWatch = {
    channel,
    events,
    waitFor: (done, timeoutMs = 5000) =>
      until(() => done(events), timeoutMs, 'changes').catch((error: Error) => {
        throw new Error(`${error.message}; received ${JSON.stringify(events.map((e) => [e.binding, e.eventType, e.new, e.old]))}`);
      }),
    joins: () => joins,
    waitForJoins: (count, timeoutMs = 10_000) => until(() => joins >= count, timeoutMs, `${count} joins`),
  };
  await watch.waitForJoins(1);
  return watch;
}
