import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '@shared/agentWebhook.ts';
import { type RunningPostgres, startEmbeddedPostgres } from '@leads-queue/local-supabase';
import { evaluateExpression, nodeNamed, runCodeNode, type Item } from './n8nSandbox.ts';

/**
 * The workflow's dedupe, run as n8n runs it: each Postgres node's own SQL and query parameters
 * (evaluated from its expression) against a real PostgreSQL, between the real Code nodes.
 */

const NOW = new Date('2026-03-27T07:30:00Z');
const SECRET = `whsec_${Buffer.from('the dedupe test secret!!').toString('base64')}`;
const ENV = { LEADS_QUEUE_API_KEY: 'key', LEADS_QUEUE_WEBHOOK_SECRET: SECRET, LEADS_QUEUE_CALLBACK_URL: 'http://127.0.0.1:1/functions/v1/agent-callback' };
const LEAD = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

let server: RunningPostgres;
let dir: string;
let db: pg.Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lq-n8n-deliveries-'));
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
  db = new pg.Client({ connectionString: server.url });
  await db.connect();
  await db.query(await readFile(path.join(import.meta.dirname, '..', 'n8n', 'leads-queue-deliveries.sql'), 'utf8'));
}, 120_000);

afterAll(async () => {
  await db?.end();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await db.query('truncate leads_queue_deliveries');
});

/** Runs a Postgres node's query with the parameters its expression gives for this input. */
async function runPostgresNode(name: string, json: Record<string, unknown>, nodes: Record<string, Item>, client: pg.Client = db): Promise<Record<string, unknown>[]> {
  const parameters = nodeNamed(name).parameters as { query: string; options: { queryReplacement?: string } };
  const values = parameters.options.queryReplacement ? (evaluateExpression(parameters.options.queryReplacement, json, nodes) as unknown[]) : [];
  const { rows } = await client.query(parameters.query, values);
  return rows as Record<string, unknown>[];
}

async function verified(queueItemId: string, attempt: number): Promise<Item> {
  const body = JSON.stringify({
    event: 'lead_batch_ready',
    leads: [{ lead_id: LEAD, queue_item_id: queueItemId, priority: 'normal', template: 'intro', variables: {} }],
    metadata: { triggered_by: 'queue_processor', timestamp: NOW.toISOString(), client_id: 'c1', attempt, redelivery: attempt > 1 },
  });
  const timestamp = Math.floor(NOW.getTime() / 1000);
  const item: Item = {
    json: {
      headers: {
        authorization: 'Bearer key',
        'webhook-id': queueItemId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': await signWebhook(SECRET, queueItemId, timestamp, body),
      },
    },
    binary: { data: { data: Buffer.from(body).toString('base64'), mimeType: 'application/json' } },
  };
  const [result] = await runCodeNode('Verify lead batch', { input: [item], env: ENV, now: NOW });
  if (!result?.json.ok) throw new Error(`not verified: ${JSON.stringify(result)}`);
  return result;
}

async function claim(queueItemId: string, attempt = 1, client: pg.Client = db) {
  const verify = await verified(queueItemId, attempt);
  const [row] = await runPostgresNode('Claim webhook-id', verify.json, { 'Verify lead batch': verify }, client);
  if (!row) throw new Error('Claim webhook-id returned no row');
  const answer = evaluateExpression(String(nodeNamed('Answer with triggerId').parameters.responseBody), row, {});
  return { verify, row, answer: JSON.parse(String(answer)) as Record<string, unknown>, fresh: evaluateExpression(ifCondition('First delivery?'), row, {}) };
}

function ifCondition(name: string): string {
  const parameters = nodeNamed(name).parameters as { conditions: { conditions: Array<{ leftValue: string }> } };
  const [condition] = parameters.conditions.conditions;
  if (!condition) throw new Error(`${name} has no condition`);
  return condition.leftValue;
}

async function signAndVerify(callbackRow: Record<string, unknown>): Promise<Record<string, unknown>> {
  const [signed] = await runCodeNode('Sign callback', { input: [{ json: callbackRow }], env: ENV, now: NOW });
  if (!signed) throw new Error('Sign callback returned no item');
  const headers = new Headers({
    'webhook-id': String(signed.json.webhookId),
    'webhook-timestamp': String(signed.json.webhookTimestamp),
    'webhook-signature': String(signed.json.webhookSignature),
  });
  expect(await verifyWebhook(SECRET, headers, String(signed.json.body), { now: NOW })).toMatchObject({ ok: true });
  return JSON.parse(String(signed.json.body)) as Record<string, unknown>;
}

describe('dedupe by webhook-id (Claim webhook-id on PostgreSQL)', () => {
  it('answers a repeated webhook-id with the first triggerId and does not let it start a conversation', async () => {
    const itemId = '0f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f70';
    const first = await claim(itemId);
    const again = await claim(itemId, 2);
    expect(first.fresh).toBe(true);
    expect(first.answer).toEqual({ success: true, triggerId: first.verify.json.candidateTriggerId, leadId: LEAD });
    expect(again.fresh).toBe(false);
    expect(again.answer).toEqual(first.answer);
    const { rows } = await db.query('select status, requests, attempt from leads_queue_deliveries where webhook_id = $1', [itemId]);
    expect(rows).toEqual([{ status: 'accepted', requests: 2, attempt: 1 }]);
  });

  it('lets exactly one of ten simultaneous requests with one webhook-id claim it', async () => {
    const itemId = '1f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f71';
    const clients = Array.from({ length: 10 }, () => new pg.Client({ connectionString: server.url }));
    await Promise.all(clients.map((client) => client.connect()));
    try {
      const claims = await Promise.all(clients.map((client) => claim(itemId, 1, client)));
      expect(claims.filter((result) => result.fresh === true)).toHaveLength(1);
      expect(new Set(claims.map((result) => result.answer.triggerId)).size).toBe(1);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it('reports conversation_started, signed, once the conversation has an id', async () => {
    const itemId = '2f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f72';
    const { verify, row } = await claim(itemId);
    const nodes = { 'Verify lead batch': verify, 'Claim webhook-id': { json: row } };
    const [started] = await runCodeNode('Start AI WhatsApp conversation', { input: [{ json: row }], env: ENV, nodes, now: NOW });
    const [recorded] = await runPostgresNode('Record conversation', started?.json ?? {}, nodes);
    expect(await signAndVerify(recorded ?? {})).toEqual({ event: 'conversation_started', queue_item_id: itemId, conversation_id: started?.json.conversation_id });
    expect((await claim(itemId, 2)).fresh).toBe(false);
  });

  it('reports delivery_failed for a failed start, and lets the next attempt claim the item again', async () => {
    const itemId = '3f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f73';
    const first = await claim(itemId);
    const nodes = { 'Verify lead batch': first.verify, 'Claim webhook-id': { json: first.row } };
    const [recorded] = await runPostgresNode('Record failed start', { error: 'WhatsApp provider said 503' }, nodes);
    expect(await signAndVerify(recorded ?? {})).toEqual({
      event: 'delivery_failed',
      queue_item_id: itemId,
      attempt: 1,
      error_code: 'conversation_start_failed',
      error_message: 'WhatsApp provider said 503',
    });
    const retry = await claim(itemId, 2);
    expect(retry.fresh).toBe(true);
    expect(retry.answer.triggerId).not.toBe(first.answer.triggerId);
    expect((await claim(itemId, 3)).answer.triggerId).toBe(retry.answer.triggerId);
  });

  it('a late report for an earlier claim changes nothing once the item was claimed again', async () => {
    const itemId = '4f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f74';
    const first = await claim(itemId);
    await runPostgresNode('Record failed start', { error: 'timeout' }, { 'Verify lead batch': first.verify, 'Claim webhook-id': { json: first.row } });
    await claim(itemId, 2);
    const late = await runPostgresNode('Record conversation', { conversation_id: 'conv_late' }, { 'Verify lead batch': first.verify, 'Claim webhook-id': { json: first.row } });
    expect(late).toEqual([]);
  });

  it('the daily purge forgets only webhook-ids older than the retention', async () => {
    await claim('5f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f75');
    await claim('6f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f76');
    await db.query(`update leads_queue_deliveries set last_request_at = now() - interval '31 days' where webhook_id = '5f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f75'`);
    await runPostgresNode('Purge old deliveries', {}, {});
    const { rows } = await db.query('select webhook_id from leads_queue_deliveries');
    expect(rows).toEqual([{ webhook_id: '6f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f76' }]);
  });
});
