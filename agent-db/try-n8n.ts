/**
 * Drives the reference workflow in a running n8n the way the Leads Queue processor and a WhatsApp
 * side would, and receives its signed callbacks on LEADS_QUEUE_CALLBACK_URL (checked with the repo's
 * verifyWebhook). Run by hand, with the same values n8n was started with (README "Try it in a real n8n"):
 *   N8N_URL=http://127.0.0.1:5679 LEADS_QUEUE_API_KEY=… LEADS_QUEUE_WEBHOOK_SECRET=whsec_… \
 *   LEADS_QUEUE_CALLBACK_URL=http://127.0.0.1:54399/functions/v1/agent-callback npx tsx agent-db/try-n8n.ts
 * Optional: DELIVERIES_DATABASE_URL (the database holding leads_queue_deliveries) to print its rows;
 * TRY_N8N_STATE_FILE: the first delivery is saved there, and a later run (after restarting n8n) first
 * replays it and expects the same triggerId and no conversation: the dedupe outlives the process.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { signWebhook, verifyWebhook } from '../supabase/functions/_shared/agentWebhook.ts';
import { LEAD_BATCH_PATH, LEAD_EVENT_PATH } from './n8n/build-workflow.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (see agent-db/README.md, "Try it in a real n8n")`);
  return value;
}

const n8nUrl = required('N8N_URL').replace(/\/$/, '');
const apiKey = required('LEADS_QUEUE_API_KEY');
const secret = required('LEADS_QUEUE_WEBHOOK_SECRET');
const callbackUrl = new URL(required('LEADS_QUEUE_CALLBACK_URL'));
const CALLBACK_WAIT_MS = 20_000;
/** How long a duplicate is given to (wrongly) start a second conversation before we count. */
const QUIET_MS = 4_000;

interface Callback {
  webhookId: string;
  verified: boolean;
  reason: string | null;
  body: Record<string, unknown>;
}

const callbacks: Callback[] = [];
const waiters: Array<() => void> = [];

const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers.set(name, value);
      const check = await verifyWebhook(secret, headers, raw, { now: new Date() });
      const pathOk = request.method === 'POST' && request.url === callbackUrl.pathname;
      callbacks.push({
        webhookId: headers.get('webhook-id') ?? '',
        verified: check.ok && pathOk,
        reason: check.ok ? (pathOk ? null : `unexpected ${request.method} ${request.url}`) : check.reason,
        body: JSON.parse(raw) as Record<string, unknown>,
      });
      response.writeHead(check.ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(JSON.stringify(check.ok ? { ok: true } : { error: { code: 'invalid_signature', message: check.reason } }));
      for (const wake of waiters.splice(0)) wake();
    })();
  });
});

async function waitForCallback(match: (callback: Callback) => boolean): Promise<Callback | null> {
  const deadline = Date.now() + CALLBACK_WAIT_MS;
  for (;;) {
    const found = callbacks.find(match);
    if (found) return found;
    const left = deadline - Date.now();
    if (left <= 0) return null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

let failures = 0;
function report(ok: boolean, label: string, detail: unknown): void {
  if (!ok) failures += 1;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}\n      ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${n8nUrl}/webhook/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

interface Delivery {
  queueItemId: string;
  leadId: string;
  attempt?: number;
  redelivery?: boolean;
  /** Seconds added to the real clock for webhook-timestamp. */
  skewSeconds?: number;
  key?: string;
  signWith?: string;
  tamper?: boolean;
  template?: string;
  body?: string;
}

async function deliver(delivery: Delivery): Promise<Answer> {
  const now = new Date();
  const body =
    delivery.body ??
    JSON.stringify({
      event: 'lead_batch_ready',
      leads: [{ lead_id: delivery.leadId, queue_item_id: delivery.queueItemId, priority: 'high', template: delivery.template ?? 'intro', variables: { first_name: 'Dana' } }],
      metadata: {
        triggered_by: 'queue_processor',
        timestamp: now.toISOString(),
        client_id: randomUUID(),
        attempt: delivery.attempt ?? 1,
        redelivery: delivery.redelivery ?? false,
      },
    });
  const timestamp = Math.floor(now.getTime() / 1000) + (delivery.skewSeconds ?? 0);
  const signature = await signWebhook(delivery.signWith ?? secret, delivery.queueItemId, timestamp, body);
  return post(LEAD_BATCH_PATH, delivery.tamper ? body.replace('Dana', 'Dina') : body, {
    authorization: `Bearer ${delivery.key ?? apiKey}`,
    'webhook-id': delivery.queueItemId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  });
}

const startedFor = (queueItemId: string) => callbacks.filter((callback) => callback.body.event === 'conversation_started' && callback.body.queue_item_id === queueItemId);
const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS));

async function leadBatch(): Promise<void> {
  const item = { queueItemId: randomUUID(), leadId: randomUUID() };
  const first = await deliver(item);
  const triggerId = first.body.triggerId;
  report(
    first.status === 200 && first.body.success === true && typeof triggerId === 'string' && first.body.leadId === item.leadId,
    'signed lead batch → 200 {success, triggerId, leadId}',
    first,
  );
  const stateFile = process.env.TRY_N8N_STATE_FILE;
  if (stateFile) writeFileSync(stateFile, JSON.stringify({ ...item, triggerId }));
  const started = await waitForCallback((callback) => callback.body.event === 'conversation_started' && callback.body.queue_item_id === item.queueItemId);
  report(
    started !== null && started.verified && typeof started.body.conversation_id === 'string',
    'conversation_started callback arrives, verified by verifyWebhook',
    started ?? 'no callback within 20 s',
  );

  const again = await deliver({ ...item, attempt: 2, redelivery: true });
  await quiet();
  report(
    again.status === 200 && again.body.triggerId === triggerId && startedFor(item.queueItemId).length === 1,
    'same webhook-id again (attempt 2, redelivery) → 200, first triggerId, no second conversation',
    { answer: again, conversationsStarted: startedFor(item.queueItemId).length },
  );

  const racing = { queueItemId: randomUUID(), leadId: randomUUID() };
  const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(racing)));
  await waitForCallback((callback) => callback.body.queue_item_id === racing.queueItemId);
  await quiet();
  const triggerIds = new Set(answers.map((answer) => answer.body.triggerId));
  report(
    answers.every((answer) => answer.status === 200) && triggerIds.size === 1 && startedFor(racing.queueItemId).length === 1,
    'five simultaneous requests with one webhook-id → all 200, one triggerId, one conversation',
    { statuses: answers.map((answer) => answer.status), triggerIds: [...triggerIds], conversationsStarted: startedFor(racing.queueItemId).length },
  );
}

async function failedStart(): Promise<void> {
  const item = { queueItemId: randomUUID(), leadId: randomUUID() };
  const accepted = await deliver({ ...item, template: '' });
  const failed = await waitForCallback((callback) => callback.body.event === 'delivery_failed' && callback.body.queue_item_id === item.queueItemId);
  report(
    accepted.status === 200 && failed !== null && failed.verified && failed.body.attempt === 1 && failed.body.error_code === 'conversation_start_failed',
    'a conversation that cannot start (no template) → 200, then a verified delivery_failed for attempt 1',
    { answer: accepted, callback: failed },
  );
  const retried = await deliver({ ...item, attempt: 2 });
  const started = await waitForCallback((callback) => callback.body.event === 'conversation_started' && callback.body.queue_item_id === item.queueItemId);
  report(
    retried.status === 200 && retried.body.triggerId !== accepted.body.triggerId && started !== null && started.verified,
    'the retry of a failed start is a new claim: new triggerId, conversation_started',
    { answer: retried, callback: started },
  );
}

async function replayAfterRestart(stateFile: string): Promise<void> {
  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { queueItemId: string; leadId: string; triggerId: string };
  const again = await deliver({ queueItemId: saved.queueItemId, leadId: saved.leadId, attempt: 3, redelivery: true });
  await quiet();
  report(
    again.status === 200 && again.body.triggerId === saved.triggerId && startedFor(saved.queueItemId).length === 0,
    `webhook-id from the previous run (${saved.queueItemId}) → 200, its first triggerId, no conversation`,
    { answer: again, conversationsStarted: startedFor(saved.queueItemId).length },
  );
}

async function rejections(): Promise<void> {
  const cases: Array<[string, Delivery, number]> = [
    ['tampered body (bad signature) → 401', { queueItemId: randomUUID(), leadId: randomUUID(), tamper: true }, 401],
    ['signed with another secret → 401', { queueItemId: randomUUID(), leadId: randomUUID(), signWith: 'whsec_' + Buffer.from('not the secret').toString('base64') }, 401],
    ['wrong bearer key → 401', { queueItemId: randomUUID(), leadId: randomUUID(), key: 'not-the-key' }, 401],
    ['timestamp 6 minutes old → 401', { queueItemId: randomUUID(), leadId: randomUUID(), skewSeconds: -360 }, 401],
    ['signed but malformed body (no leads) → 400', { queueItemId: randomUUID(), leadId: randomUUID(), body: JSON.stringify({ event: 'lead_batch_ready', leads: [] }) }, 400],
  ];
  const rejected: string[] = [];
  for (const [label, delivery, status] of cases) {
    const answer = await deliver(delivery);
    rejected.push(delivery.queueItemId);
    report(answer.status === status && answer.body.success === false && typeof answer.body.error === 'string', label, answer);
  }
  await quiet();
  const leaked = callbacks.filter((callback) => rejected.includes(String(callback.body.queue_item_id)));
  report(leaked.length === 0, 'no rejected request started a conversation', { callbacksForRejected: leaked.length });
}

async function leadEvents(): Promise<void> {
  const leadId = randomUUID();
  const queueItemId = randomUUID();
  const events: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['reply → lead_replied', { lead_id: leadId, queue_item_id: queueItemId, text: 'Sounds good, tell me more', message_id: `wamid.${randomUUID()}` }, { event: 'lead_replied', lead_id: leadId, queue_item_id: queueItemId }],
    ['stop word "הסר" → lead_opted_out', { lead_id: leadId, text: 'הסר', message_id: `wamid.${randomUUID()}` }, { event: 'lead_opted_out', lead_id: leadId, keyword: 'הסר' }],
    ['type "stop" → lead_opted_out', { lead_id: leadId, type: 'stop' }, { event: 'lead_opted_out', lead_id: leadId }],
  ];
  for (const [label, input, expected] of events) {
    const answer = await post(LEAD_EVENT_PATH, JSON.stringify(input), { authorization: `Bearer ${apiKey}` });
    const callback = callbacks.find((candidate) => candidate.webhookId === answer.body.webhookId) ?? null;
    report(
      answer.status === 200 && answer.body.event === expected.event && callback !== null && callback.verified && JSON.stringify(callback.body) === JSON.stringify(expected),
      `lead event: ${label}, signed callback verified`,
      { answer, callback },
    );
  }
  const unauthorised = await post(LEAD_EVENT_PATH, JSON.stringify({ lead_id: leadId, text: 'hi' }), { authorization: 'Bearer nope' });
  report(unauthorised.status === 401, 'lead event with a wrong bearer key → 401', unauthorised);
}

async function printDeliveries(): Promise<void> {
  const url = process.env.DELIVERIES_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('select webhook_id, status, requests, trigger_id, conversation_id from leads_queue_deliveries order by first_request_at desc limit 3');
  await client.end();
  console.log('leads_queue_deliveries (latest three):');
  console.table(rows);
}

await new Promise<void>((resolve) => receiver.listen(Number(callbackUrl.port), callbackUrl.hostname, resolve));
console.log(`n8n ${n8nUrl}; callbacks received on ${callbackUrl.href}`);
try {
  const stateFile = process.env.TRY_N8N_STATE_FILE;
  if (stateFile && existsSync(stateFile)) await replayAfterRestart(stateFile);
  await leadBatch();
  await failedStart();
  await rejections();
  await leadEvents();
  report(callbacks.every((callback) => callback.verified), 'every callback n8n sent was verified', { callbacks: callbacks.length });
  await printDeliveries();
} finally {
  receiver.close();
}
console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
