import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import type { AuthCaller } from './auth/context.ts';
import { createAuthHandler } from './auth/handler.ts';
import { Mailbox } from './auth/mailbox.ts';
import { JwtError, bearerToken, verifyToken } from './auth/tokens.ts';
import { loadConfig, type StackConfig } from './config.ts';
import { createFunctionsHost, type FunctionsHost, type FunctionsOptions } from './functions.ts';
import { ANON_KEY, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from './keys.ts';
import { attachRealtime, type RealtimeServer } from './realtime/server.ts';
import { createRestHandler } from './rest/handler.ts';
import type { GatewayRequest, GatewayResponse, RequestAuth } from './types.ts';

export interface GatewayOptions {
  /** Pool logged in as `authenticator` (REST, Realtime): roles are switched per request. */
  pool: pg.Pool;
  /** Superuser pool for the auth server (it owns the auth schema). */
  authPool: pg.Pool;
  /** Superuser connection string (Realtime's change feed, SUPABASE_DB_URL for functions). */
  databaseUrl: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  config?: StackConfig;
  /** Edge Functions (true: supabase/functions with defaults); false or absent leaves /functions/v1 answering 404. */
  functions?: Omit<FunctionsOptions, 'supabaseUrl' | 'databaseUrl'> | boolean;
  realtime?: boolean;
  bodyLimitBytes?: number;
  /** Where the auth server's mails go (a fresh in-memory mailbox by default). */
  mailbox?: Mailbox;
  now?: () => Date;
  log?: (line: string) => void;
  /** One log line per request (method, path, status, ms). */
  logRequests?: boolean;
  /** PostgREST's db-prepared-statements for /rest/v1 (default on, as PostgREST's); off re-plans every statement. */
  preparedStatements?: boolean;
  /** The REST handler keeps the plans of identical requests (default on; see RestHandlerOptions.planCache). */
  planCache?: boolean;
  /**
   * Called with a step's name as a request passes it (route, body, authed, then the REST handler's: see
   * RestHandlerOptions.mark), for bench/gateway-steps.ts to time the steps; absent, nothing is timed.
   */
  mark?: (step: string) => void;
}

export interface Gateway {
  server: http.Server;
  url: string;
  port: number;
  functions: FunctionsHost | null;
  /** Realtime's handle (drop connections, wait until changes are delivered); null when off. */
  realtime: RealtimeServer | null;
  /** The mails the auth server sent (signup confirmations, magic links, password resets…). */
  mailbox: Mailbox;
  close(): Promise<void>;
}

/** What the gateway learnt from the Authorization header (after apikey mapping), verified once per request. */
export type CallerAuth = AuthCaller;

const REALTIME_PATH = '/realtime/v1/websocket';
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
const ALLOW_HEADERS =
  'authorization, x-client-info, apikey, content-type, accept-profile, content-profile, prefer, range, x-retry-count, x-supabase-api-version';
const EXPOSE_HEADERS = 'Content-Range, Content-Profile, X-Supabase-Api-Version, X-Total-Count, Link';
const ANON: RequestAuth = { role: 'anon', claims: { role: 'anon' } };

export function corsHeaders(origin: string | undefined): Record<string, string> {
  return {
    'access-control-allow-origin': origin ?? '*',
    'access-control-expose-headers': EXPOSE_HEADERS,
    vary: 'Origin',
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** The CLI's Kong rule: keep a real Authorization; otherwise derive it from the apikey. */
export function mapAuthorization(headers: Record<string, string>): string | undefined {
  const incoming = headers.authorization;
  if (incoming && !/^bearer sb_/i.test(incoming.trim())) return incoming;
  const apikey = headers.apikey ?? bearerToken(incoming) ?? undefined;
  if (!apikey) return undefined;
  if (apikey === SECRET_KEY) return `Bearer ${SERVICE_ROLE_KEY}`;
  if (apikey === PUBLISHABLE_KEY) return `Bearer ${ANON_KEY}`;
  return `Bearer ${apikey}`;
}

/**
 * Verified tokens, as PostgREST 12+ caches them: a token is checked once, then reused until its `exp` (by the
 * stack's clock) or for at most ten minutes; failures are not kept, so an expired token is verified (and refused) again.
 */
class TokenCache {
  private readonly entries = new Map<string, { auth: RequestAuth; until: number }>();

  async verify(token: string, now: Date): Promise<RequestAuth> {
    const hit = this.entries.get(token);
    if (hit && now.getTime() < hit.until) return hit.auth;
    this.entries.delete(token);
    const auth = await verifyToken(token, { now });
    const exp = typeof auth.claims.exp === 'number' ? auth.claims.exp * 1000 : Infinity;
    if (this.entries.size >= TOKEN_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { auth, until: Math.min(exp, now.getTime() + TOKEN_CACHE_MS) });
    return auth;
  }
}
const TOKEN_CACHE_ENTRIES = 1000;
const TOKEN_CACHE_MS = 10 * 60_000;

async function callerAuth(tokens: TokenCache, authorization: string | undefined, now: () => Date): Promise<CallerAuth> {
  const token = bearerToken(authorization);
  if (!token) return { token: null, auth: null, error: null };
  try {
    return { token, auth: await tokens.verify(token, now()), error: null };
  } catch (error) {
    if (error instanceof JwtError) return { token, auth: null, error };
    throw error;
  }
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lowerHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function send(res: http.ServerResponse, response: GatewayResponse, extra: Record<string, string>, head: boolean): void {
  const headers: Record<string, string> = { ...extra, ...(response.headers ?? {}) };
  const body = response.body === undefined ? undefined : Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body);
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
    headers['content-length'] = String(body.length);
  }
  res.writeHead(response.status, headers);
  res.end(head ? undefined : body);
}

/** One HTTP server in front of rest, auth, functions and realtime, like the CLI's Kong on 54321. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const config = options.config ?? loadConfig();
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  let publicUrl = '';
  let functions: FunctionsHost | null = null;

  const mailbox = options.mailbox ?? new Mailbox();
  const rest = createRestHandler({
    pool: options.pool,
    schemas: config.api.schemas,
    maxRows: config.api.maxRows,
    ...(options.preparedStatements === undefined ? {} : { preparedStatements: options.preparedStatements }),
    ...(options.planCache === undefined ? {} : { planCache: options.planCache }),
    ...(options.mark ? { mark: options.mark } : {}),
    log,
  });
  const auth = createAuthHandler({ pool: options.authPool, config, mailbox, issuer: () => `${publicUrl}/auth/v1`, now });
  const tokens = new TokenCache();
  const mark = options.mark;

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    mark?.('route');
    const url = new URL(req.url ?? '/', publicUrl || 'http://127.0.0.1');
    const path = url.pathname;
    const cors = corsHeaders(req.headers.origin);
    const method = (req.method ?? 'GET').toUpperCase();

    if (path === '/health' || path === '/health/') {
      send(res, json(200, { status: 'ok', url: publicUrl }), cors, method === 'HEAD');
      return;
    }
    const service = path.startsWith('/rest/v1/') || path === '/rest/v1'
      ? 'rest'
      : path.startsWith('/auth/v1/')
        ? 'auth'
        : path.startsWith('/functions/v1/')
          ? 'functions'
          : null;
    if (!service) {
      send(res, json(404, { message: 'no Route matched with those values' }), cors, false);
      return;
    }
    // Functions answer their own preflight, as on hosted Supabase; the rest is the gateway's.
    if (method === 'OPTIONS' && service !== 'functions') {
      send(
        res,
        {
          status: 200,
          headers: {
            'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS',
            'access-control-allow-headers': req.headers['access-control-request-headers'] ?? ALLOW_HEADERS,
            'access-control-max-age': '3600',
            'content-length': '0',
          },
        },
        cors,
        false,
      );
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      res.setHeader('connection', 'close');
      send(res, json(413, { message: 'Request body is larger than the limit' }), cors, false);
      return;
    }
    mark?.('body');
    const headers = lowerHeaders(req);
    const authorization = mapAuthorization(headers);
    if (authorization) headers.authorization = authorization;
    else delete headers.authorization;
    const caller = await callerAuth(tokens, authorization, now);
    const request: GatewayRequest = { method, url, headers, body };
    mark?.('authed');

    let response: GatewayResponse;
    let passThrough = false;
    if (service === 'rest') {
      if (caller.error) {
        const description = caller.error.message.replaceAll('"', "'");
        response = json(
          401,
          { code: caller.error.code, details: null, hint: null, message: caller.error.message },
          { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` },
        );
      } else {
        response = await rest(request, caller.auth ?? ANON);
      }
    } else if (service === 'auth') {
      response = await auth(request, caller);
    } else if (functions) {
      const answer = await functions.handle(request, caller);
      passThrough = answer.proxied;
      response = answer;
    } else {
      response = json(404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
    }
    // Function responses pass through untouched: hosted Supabase adds no CORS to them either.
    send(res, response, passThrough ? {} : cors, method === 'HEAD');
  }

  const server = http.createServer((req, res) => {
    if (options.logRequests) {
      const started = performance.now();
      res.once('finish', () => log(`[gateway] ${req.method} ${req.url?.split('?')[0]} ${res.statusCode} ${(performance.now() - started).toFixed(1)} ms`));
    }
    route(req, res).catch((error: unknown) => {
      log(`[gateway] ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, json(500, { message: 'An unexpected error occurred', details: (error as Error).message }), corsHeaders(req.headers.origin), false);
    });
  });
  server.keepAliveTimeout = 65_000;
  // Realtime answers its own upgrades; any other WebSocket request would otherwise hang forever.
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    const pathname = new URL(req.url ?? '/', 'http://gateway').pathname.replace(/\/$/, '');
    if (options.realtime !== false && pathname === REALTIME_PATH) return;
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });

  const realtime = options.realtime === false
    ? null
    : await attachRealtime({
        server,
        pool: options.pool,
        databaseUrl: options.databaseUrl,
        // Realtime gets the raw apikey from its URL: the same Kong mapping applies to sb_ keys.
        verifyToken: (token) => verifyToken(bearerToken(mapAuthorization({ apikey: token })) ?? token, { now: now() }),
        now,
        log: (message, error) => log(`[realtime] ${message}${error ? `: ${(error as Error).message ?? String(error)}` : ''}`),
      });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  publicUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  if (options.functions) {
    const fromConfig = Object.fromEntries(Object.entries(config.functions).map(([name, f]) => [name, f.verifyJwt]));
    const extra = options.functions === true ? {} : options.functions;
    functions = createFunctionsHost({
      log,
      ...extra,
      verifyJwt: { ...fromConfig, ...(extra.verifyJwt ?? {}) },
      supabaseUrl: publicUrl,
      databaseUrl: options.databaseUrl,
    });
  }

  let closing: Promise<void> | null = null;
  return {
    server,
    url: publicUrl,
    port,
    get functions() {
      return functions;
    },
    realtime,
    mailbox,
    close() {
      closing ??= (async () => {
        await rest.close();
        await realtime?.close();
        await functions?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
