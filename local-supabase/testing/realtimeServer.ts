/**
 * A minimal HTTP server carrying only the Realtime endpoint, for realtime tests and benches that do not
 * need the gateway. JWTs are HS256 with the CLI's local secret, as in the stack.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { verifyToken } from '../auth/tokens.ts';
import { ANON_KEY } from '../keys.ts';
import { attachRealtime, type RealtimeServer } from '../realtime/server.ts';
import { authenticatorUrl } from '../stack.ts';

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
  const pool = new pg.Pool({ connectionString: authenticatorUrl(databaseUrl), max: 10 });
  // A test database dropped with (force) terminates a client still closing; that must not crash the run.
  pool.on('error', () => {});
  const realtime = await attachRealtime({
    server,
    pool,
    databaseUrl,
    verifyToken: (token) => verifyToken(token),
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
