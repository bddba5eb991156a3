import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import { WebSocketServer } from 'ws';
import type { RequestAuth } from '../types.ts';
import { BroadcastHub } from './broadcasts.ts';
import { ChangeFeed } from './changes.ts';
import { RealtimeConnection } from './connection.ts';
import { parseVsn } from './phoenix.ts';

export interface RealtimeOptions {
  server: http.Server;
  /** Connects as `authenticator`; each re-read switches to the subscriber's role. */
  pool: pg.Pool;
  /** Superuser URL: installs the capture triggers, LISTENs and asks the realtime.messages policies. */
  databaseUrl: string;
  verifyToken: (token: string) => Promise<RequestAuth>;
  path?: string;
  idleTimeoutMs?: number;
  /**
   * Clock for closing channels whose token expired. Pass the same clock `verifyToken` uses;
   * without one expiry is not enforced (a real-time timer would fight an injected clock).
   */
  now?: () => Date;
  log?: (message: string, error?: unknown) => void;
}

export interface RealtimeServer {
  close(): Promise<void>;
  /** Drops every socket, as a server restart would (clients reconnect and rejoin). */
  dropConnections(): void;
  /** Resolves once every change and broadcast received so far has been handed to its sockets. */
  idle(): Promise<void>;
  /** Times broadcasting used a database connection (joins' policy checks, large messages read back). */
  broadcastDatabaseCalls(): number;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Serves Supabase Realtime (postgres_changes, Broadcast, private channels) on `path` of an existing HTTP server. */
export async function attachRealtime(options: RealtimeOptions): Promise<RealtimeServer> {
  const path = options.path ?? '/realtime/v1/websocket';
  const log = options.log ?? (() => {});
  const feed = await ChangeFeed.start({ pool: options.pool, databaseUrl: options.databaseUrl, log });
  const hub = await BroadcastHub.start({ databaseUrl: options.databaseUrl, log }).catch(async (error: unknown) => {
    await feed.close();
    throw error;
  });
  const wss = new WebSocketServer({ noServer: true });
  const connections = new Set<RealtimeConnection>();

  const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path && url.pathname !== `${path}/`) return;
    const vsn = parseVsn(url.searchParams.get('vsn'));
    const apikey = url.searchParams.get('apikey') ?? request.headers.apikey?.toString() ?? '';
    if (!vsn) return refuse(socket, 400, 'Bad Request');
    options.verifyToken(apikey).then(
      () => {
        wss.handleUpgrade(request, socket, head, (ws) => {
          const connection = new RealtimeConnection(ws, {
            vsn,
            apikey,
            verifyToken: options.verifyToken,
            feed,
            hub,
            idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
            now: options.now ?? null,
            log,
          });
          connections.add(connection);
          ws.on('close', () => connections.delete(connection));
        });
      },
      () => refuse(socket, 403, 'Forbidden'),
    );
  };
  options.server.on('upgrade', onUpgrade);

  return {
    dropConnections: () => {
      for (const connection of connections) connection.terminate();
    },
    idle: async () => {
      await feed.idle();
      await hub.idle();
    },
    broadcastDatabaseCalls: () => hub.databaseCalls,
    close: async () => {
      options.server.off('upgrade', onUpgrade);
      for (const connection of connections) connection.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await feed.close();
      await hub.close();
    },
  };
}
