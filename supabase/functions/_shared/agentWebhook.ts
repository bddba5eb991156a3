/** The Agent DB (N8N) webhook: the spec's payload, one queue item per call, signed per Standard Webhooks. */

export interface AgentQueueItem {
  id: string;
  lead_id: string;
  client_id: string;
  priority: string;
  message_template: string;
  message_variables: unknown;
  attempts: number;
  /** The previous attempt's outcome is unknown (its worker died with the request in flight). */
  redelivery: boolean;
}

export interface AgentPayload {
  event: 'lead_batch_ready';
  leads: Array<{ lead_id: string; queue_item_id: string; priority: string; template: string; variables: unknown }>;
  metadata: { triggered_by: 'queue_processor'; timestamp: string; client_id: string; attempt: number; redelivery: boolean };
}

/**
 * The payload's JSON, written as AgentPayload's JSON.stringify would (same keys, same order) without building the
 * object first: the processor writes one per send.
 */
export function payloadJson(item: AgentQueueItem, now: Date): string {
  return `{"event":"lead_batch_ready","leads":[{"lead_id":${JSON.stringify(item.lead_id)},"queue_item_id":${JSON.stringify(item.id)},`
    + `"priority":${JSON.stringify(item.priority)},"template":${JSON.stringify(item.message_template)},`
    + `"variables":${JSON.stringify(item.message_variables ?? {})}}],"metadata":{"triggered_by":"queue_processor",`
    + `"timestamp":"${now.toISOString()}","client_id":${JSON.stringify(item.client_id)},"attempt":${JSON.stringify(item.attempts)},`
    + `"redelivery":${JSON.stringify(item.redelivery)}}}`;
}

function base64ToBytes(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why a Standard Webhooks secret cannot be used, or null when it can: `whsec_` and the base64 of 24 to 64 random
 * bytes, as the Standard Webhooks spec asks of a signing key.
 */
export function webhookSecretProblem(secret: string): string | null {
  if (!secret) return 'AGENT_DB_WEBHOOK_SECRET is not set';
  if (!secret.startsWith('whsec_')) return 'AGENT_DB_WEBHOOK_SECRET must start with whsec_';
  const encoded = secret.slice('whsec_'.length);
  if (!BASE64.test(encoded)) return 'AGENT_DB_WEBHOOK_SECRET is not valid base64 after whsec_';
  const bytes = (encoded.length / 4) * 3 - (encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0);
  if (bytes < 24 || bytes > 64) return `AGENT_DB_WEBHOOK_SECRET holds ${bytes} bytes; a Standard Webhooks secret holds 24 to 64`;
  return null;
}

/** Why the processor may not send with this configuration, or null (no URL: nothing is sent, items wait). */
export function agentConfigProblem(agent: { url: string | null; apiKey: string; secret: string }): string | null {
  if (!agent.url) return null;
  if (!agent.apiKey) return 'AGENT_DB_API_KEY is not set while AGENT_DB_WEBHOOK_URL is';
  return webhookSecretProblem(agent.secret);
}

/** Key bytes of a Standard Webhooks secret: base64 after `whsec_`; a secret without the prefix is used as raw text. */
function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (secret.startsWith('whsec_')) return base64ToBytes(secret.slice('whsec_'.length));
  return encoder.encode(secret);
}

/** `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>` */
const encoder = new TextEncoder();
const signingKeys = new Map<string, Promise<CryptoKey>>();

/** The secret's HMAC key, imported once per secret (the processor signs every send with the same one). */
function signingKey(secret: string): Promise<CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', secretKeyBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    signingKeys.set(secret, key);
    key.catch(() => signingKeys.delete(secret));
  }
  return key;
}

export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await signingKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

function constantTimeEqual(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= left.charCodeAt(index) ^ right.charCodeAt(index);
  return difference === 0;
}

export interface VerifyOptions {
  now: Date;
  /** Replay window in seconds (Standard Webhooks suggests 5 minutes). */
  toleranceSeconds?: number;
}

/** Checks webhook-id/-timestamp/-signature against the body; any of the space-separated v1 signatures may match. */
export async function verifyWebhook(
  secret: string,
  headers: Headers,
  body: string,
  options: VerifyOptions,
): Promise<{ ok: true; id: string } | { ok: false; reason: string }> {
  const id = headers.get('webhook-id');
  const timestampText = headers.get('webhook-timestamp');
  const signatures = headers.get('webhook-signature');
  if (!id || !timestampText || !signatures) return { ok: false, reason: 'missing webhook headers' };
  const timestamp = Number(timestampText);
  if (!Number.isInteger(timestamp)) return { ok: false, reason: 'bad webhook-timestamp' };
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(options.now.getTime() / 1000 - timestamp) > tolerance) return { ok: false, reason: 'webhook-timestamp outside tolerance' };
  const expected = await signWebhook(secret, id, timestamp, body);
  const matches = signatures.split(' ').some((candidate) => constantTimeEqual(candidate, expected));
  return matches ? { ok: true, id } : { ok: false, reason: 'signature mismatch' };
}

export interface AgentConfig {
  url: string;
  apiKey: string;
  secret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export type WebhookOutcome =
  | { kind: 'sent'; status: number; triggerId: string | null }
  | { kind: 'permanent'; status: number; code: string; message: string }
  | { kind: 'retryable'; status: number | null; code: string; message: string; retryAfterSeconds: number | null };

/** Retry-After as seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

function truncate(text: string, length = 300): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** 2xx+success -> sent; 2xx otherwise, or 4xx but 408/429 -> permanent; 408/429/5xx -> retryable. */
export function classifyResponse(status: number, body: string, retryAfter: string | null, now: Date): WebhookOutcome {
  if (status >= 200 && status < 300) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = null;
    }
    const record = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
    if (record?.success === true) {
      const trigger = record.triggerId ?? record.trigger_id ?? null;
      return { kind: 'sent', status, triggerId: trigger === null ? null : String(trigger) };
    }
    const reason = typeof record?.error === 'string' ? record.error : 'Agent DB answered without success';
    return { kind: 'permanent', status, code: 'agent_rejected', message: truncate(reason) };
  }
  const message = truncate(`Agent DB trigger failed: HTTP ${status}${body ? ` ${body}` : ''}`);
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retryable', status, code: `http_${status}`, message, retryAfterSeconds: parseRetryAfter(retryAfter, now) };
  }
  return { kind: 'permanent', status, code: `http_${status}`, message };
}

/**
 * POSTs one item, signed, with a bounded timeout covering the whole exchange (headers and body). `timeout`: an
 * AbortSignal.timeout(config.timeoutMs) shared by the sends that start together (one runtime timer for all of them).
 */
export async function triggerAgent(config: AgentConfig, item: AgentQueueItem, now: Date, timeout?: AbortSignal): Promise<WebhookOutcome> {
  const body = payloadJson(item, now);
  const timestamp = Math.floor(now.getTime() / 1000);
  const signature = await signWebhook(config.secret, item.id, timestamp, body);
  // The runtime's own timer (no JS timer to set and clear per send).
  const signal = timeout ?? AbortSignal.timeout(config.timeoutMs);
  try {
    const response = await (config.fetch ?? fetch)(config.url, {
      method: 'POST',
      signal,
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${config.apiKey}`,
        'webhook-id': item.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
    });
    const text = await response.text();
    return classifyResponse(response.status, text, response.headers.get('retry-after'), now);
  } catch (error) {
    if (signal.aborted) {
      return { kind: 'retryable', status: null, code: 'timeout', message: `Agent DB did not answer within ${config.timeoutMs} ms`, retryAfterSeconds: null };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'retryable', status: null, code: 'connection_error', message: truncate(`Agent DB unreachable: ${message}`), retryAfterSeconds: null };
  }
}
