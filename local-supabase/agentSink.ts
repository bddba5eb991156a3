import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in for the Agent DB (an N8N webhook): checks the API key and the Standard Webhooks
 * signature on its own (node:crypto, not our sender's code), answers like N8N, remembers what
 * it got, and can be told to misbehave so the processor's retry paths can be shown and tested.
 * It keeps the Agent DB's dedupe contract (agent-db/README.md): a webhook-id it accepted before is
 * answered 200 with the first triggerId, starts nothing, and is counted as a duplicate.
 */

export interface SinkBehaviour {
  status?: number;
  body?: unknown;
  /** Sent as the Retry-After header (seconds). */
  retryAfterSeconds?: number;
  /** Wait this long before answering (timeouts). */
  hangMs?: number;
  /** Applies to this many requests, then the next behaviour (or the default) takes over. Omitted: until changed. */
  times?: number;
}

export interface ReceivedWebhook {
  /** Sequence number in this sink, from 1. */
  seq: number;
  receivedAt: string;
  method: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON, or null when the body was not JSON. */
  body: unknown;
  webhookId: string | null;
  authorized: boolean;
  verified: boolean;
  /** Why the signature check failed. */
  verifyError: string | null;
  /** What the sink answered. */
  status: number;
  triggerId: string | null;
  /** A webhook-id accepted before: answered with the first triggerId, no second conversation. */
  duplicate: boolean;
}

export interface SinkCounts {
  /** Conversations started: accepted first deliveries. */
  messages: number;
  /** Repeats of an accepted webhook-id. */
  duplicates: number;
}

export interface AgentSinkOptions {
  apiKey: string;
  /** `whsec_<base64>` */
  webhookSecret: string;
  port?: number;
  host?: string;
  /** Clock for the timestamp tolerance check. */
  now?: () => Date;
  log?: (line: string) => void;
  /** Keep connections open between webhooks, as a hosted webhook endpoint does (benches); refuseConnections() still
   * ends them. Off by default: a test that refuses connections must not race a pooled socket's close. */
  keepAlive?: boolean;
}

export interface AgentSink {
  url: string;
  /** Where functions should POST (AGENT_DB_WEBHOOK_URL). */
  webhookUrl: string;
  port: number;
  received: ReceivedWebhook[];
  /** Messages started and duplicates dropped since the last reset. */
  counts(): SinkCounts;
  behave(behaviour: SinkBehaviour): void;
  /** Back to the default: 200 `{success:true, triggerId, leadId}`, and forget what was received and accepted. */
  reset(): void;
  /** Closes the listener and open connections: callers get ECONNREFUSED. */
  refuseConnections(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves once `count` webhooks (in total) have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

const WEBHOOK_PATH = '/webhook/agent-db';
const TOLERANCE_SECONDS = 5 * 60;
const MAX_RECEIVED = 5000;

export interface SignatureCheck {
  ok: boolean;
  error: string | null;
}

/** The Standard Webhooks check, written from the spec: HMAC-SHA256 over `id.timestamp.body`. */
function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  rawBody: string,
  now: Date,
): SignatureCheck {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return { ok: false, error: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d+$/.test(timestamp)) return { ok: false, error: 'webhook-timestamp is not a number' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return { ok: false, error: 'webhook-timestamp outside tolerance' };
  if (!secret.startsWith('whsec_')) return { ok: false, error: 'secret must start with whsec_' };
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, error: null };
  }
  return { ok: false, error: 'no matching v1 signature' };
}

/** Produces the headers a correct sender adds (tests and demos of the sink itself). */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, rawBody: string): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${rawBody}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}

/** The lead of a lead_batch_ready body (`leads[0].lead_id`), or null. */
function leadOf(body: unknown): string | null {
  const leads = body && typeof body === 'object' ? (body as { leads?: unknown }).leads : null;
  const first: unknown = Array.isArray(leads) ? leads[0] : null;
  const lead = first && typeof first === 'object' ? (first as { lead_id?: unknown }).lead_id : null;
  return typeof lead === 'string' ? lead : null;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startAgentSink(options: AgentSinkOptions): Promise<AgentSink> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const received: ReceivedWebhook[] = [];
  // webhook-id -> the triggerId of its accepted first delivery (the Agent DB's leads_queue_deliveries).
  const accepted = new Map<string, string>();
  let behaviours: SinkBehaviour[] = [];
  let sequence = 0;
  let waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let port = options.port ?? 0;
  let listening = false;

  function nextBehaviour(): SinkBehaviour | null {
    const current = behaviours[0];
    if (!current) return null;
    if (current.times !== undefined) {
      current.times -= 1;
      if (current.times <= 0) behaviours.shift();
    }
    return current;
  }

  function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function answer(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    // No keep-alive unless asked: after refuseConnections() every caller sees ECONNREFUSED, not a dead pooled socket.
    res.writeHead(status, { connection: options.keepAlive ? 'keep-alive' : 'close', 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let command: Record<string, unknown> = {};
    try {
      command = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
    } catch {
      answer(res, 400, { error: 'control body must be JSON' });
      return;
    }
    if (command.reset === true) sink.reset();
    if (command.behave && typeof command.behave === 'object') sink.behave(command.behave as SinkBehaviour);
    if (typeof command.refuseForMs === 'number') {
      const ms = command.refuseForMs;
      answer(res, 200, { ok: true, refusingForMs: ms });
      setTimeout(() => {
        void sink.refuseConnections().then(() => delay(ms)).then(() => sink.resume());
      }, 10);
      return;
    }
    answer(res, 200, { ok: true, pending: behaviours, received: received.length });
  }

  async function webhook(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const rawBody = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    const authorized = headers.authorization === `Bearer ${options.apiKey}`;
    const check = verifyStandardWebhook(options.webhookSecret, headers, rawBody, now());
    let body: unknown = null;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = null;
    }
    const record: ReceivedWebhook = {
      seq: ++sequence,
      receivedAt: now().toISOString(),
      method: req.method ?? 'POST',
      path,
      headers,
      rawBody,
      body,
      webhookId: headers['webhook-id'] ?? null,
      authorized,
      verified: check.ok,
      verifyError: check.error,
      status: 0,
      triggerId: null,
      duplicate: false,
    };
    received.push(record);
    // A demo stack runs for days: keep the recent history only.
    if (received.length > MAX_RECEIVED) received.splice(0, received.length - MAX_RECEIVED);
    const notify = () => {
      log(`[agent-db] #${record.seq} ${record.webhookId ?? '(no webhook-id)'} -> ${record.status}${record.verifyError ? ` (${record.verifyError})` : ''}`);
      const pending = waiters;
      waiters = [];
      for (const wake of pending) wake();
    };

    if (!authorized) {
      record.status = 401;
      notify();
      answer(res, 401, { code: 401, message: 'Authorization data is wrong!' });
      return;
    }
    if (!check.ok) {
      record.status = 401;
      notify();
      answer(res, 401, { code: 401, message: `Invalid webhook signature: ${check.error}` });
      return;
    }
    const leadId = leadOf(body);
    const first = record.webhookId ? accepted.get(record.webhookId) : undefined;
    if (first) {
      record.duplicate = true;
      record.status = 200;
      record.triggerId = first;
      notify();
      answer(res, 200, { success: true, triggerId: first, leadId });
      return;
    }
    const behaviour = nextBehaviour();
    const status = behaviour?.status ?? 200;
    let responseBody = behaviour?.body;
    // Accepted (and remembered) on arrival, before any hang: a sender that dies waiting gets the same triggerId next time.
    if (responseBody === undefined && status >= 200 && status < 300) {
      record.triggerId = `trg_${randomUUID()}`;
      if (record.webhookId) accepted.set(record.webhookId, record.triggerId);
      responseBody = { success: true, triggerId: record.triggerId, leadId };
    }
    if (behaviour?.hangMs) await delay(behaviour.hangMs);
    const headersOut: Record<string, string> = {};
    if (behaviour?.retryAfterSeconds !== undefined) headersOut['retry-after'] = String(behaviour.retryAfterSeconds);
    responseBody ??= { success: false, message: `Agent DB answered ${status}` };
    record.status = status;
    notify();
    if (res.destroyed) return;
    answer(res, status, responseBody, headersOut);
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://sink').pathname;
    const work =
      path === '/__control' && req.method === 'POST'
        ? control(req, res)
        : path === '/__received' && req.method === 'GET'
          ? Promise.resolve(answer(res, 200, received))
          : req.method === 'POST'
            ? webhook(req, res, path)
            : Promise.resolve(answer(res, 404, { code: 404, message: 'The requested webhook is not registered.' }));
    work.catch((error: unknown) => {
      log(`[agent-sink] ${(error as Error).message}`);
      if (!res.headersSent) answer(res, 500, { message: 'sink error' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    if (!listening) return Promise.resolve();
    listening = false;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  }

  await listen();
  const url = `http://${host}:${port}`;

  const sink: AgentSink = {
    url,
    webhookUrl: `${url}${WEBHOOK_PATH}`,
    port,
    received,
    counts() {
      const duplicates = received.filter((entry) => entry.duplicate).length;
      return { messages: accepted.size, duplicates };
    },
    behave(behaviour) {
      const copy = { ...behaviour };
      if (copy.times === undefined) behaviours = [copy];
      else behaviours.push(copy);
    },
    reset() {
      behaviours = [];
      received.length = 0;
      accepted.clear();
      sequence = 0;
    },
    refuseConnections: stopListening,
    async resume() {
      if (!listening) await listen();
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`agent sink: ${received.length}/${count} webhooks after ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (received.length >= count && received.slice(0, count).every((r) => r.status !== 0)) {
            clearTimeout(timer);
            resolve(received.slice());
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    close: stopListening,
  };
  return sink;
}
