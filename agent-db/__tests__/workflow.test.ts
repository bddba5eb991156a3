import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '@shared/agentWebhook.ts';
import { workflowText } from '../n8n/build-workflow.ts';
import { WORKFLOW_TEXT, nodeNamed, runCodeNode, workflow, type Item } from './n8nSandbox.ts';

const NOW = new Date('2026-03-27T07:30:00Z');
const SECONDS = Math.floor(NOW.getTime() / 1000);
const SECRET = `whsec_${Buffer.from('a test secret of twenty-four').toString('base64')}`;
const API_KEY = 'test-api-key';
const ENV = { LEADS_QUEUE_API_KEY: API_KEY, LEADS_QUEUE_WEBHOOK_SECRET: SECRET, LEADS_QUEUE_CALLBACK_URL: 'http://127.0.0.1:1/functions/v1/agent-callback' };
const QUEUE_ITEM = '0f5e3c1a-8b2d-4c6e-9a1f-2b3c4d5e6f70';
const LEAD = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function batchBody(overrides: { leads?: unknown[]; metadata?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    event: 'lead_batch_ready',
    leads: overrides.leads ?? [{ lead_id: LEAD, queue_item_id: QUEUE_ITEM, priority: 'high', template: 'intro', variables: { first_name: 'Noa' } }],
    metadata: { triggered_by: 'queue_processor', timestamp: NOW.toISOString(), client_id: 'c1', attempt: 2, redelivery: true, ...overrides.metadata },
  });
}

interface Request {
  body?: string;
  sentBody?: string;
  secret?: string;
  key?: string;
  timestamp?: number;
  id?: string;
  signature?: (signed: string) => string;
}

/** What n8n's Webhook node (Raw Body on) hands the next node for a request the processor signed. */
async function webhookItem(request: Request = {}): Promise<Item> {
  const body = request.body ?? batchBody();
  const id = request.id ?? QUEUE_ITEM;
  const timestamp = request.timestamp ?? SECONDS;
  const signed = await signWebhook(request.secret ?? SECRET, id, timestamp, body);
  const sent = request.sentBody ?? body;
  return {
    json: {
      headers: {
        authorization: `Bearer ${request.key ?? API_KEY}`,
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': request.signature ? request.signature(signed) : signed,
      },
      params: {},
      query: {},
      body: JSON.parse(sent) as unknown,
    },
    binary: { data: { data: Buffer.from(sent, 'utf8').toString('base64'), mimeType: 'application/json' } },
  };
}

async function verify(request: Request = {}): Promise<Record<string, unknown>> {
  const [result] = await runCodeNode('Verify lead batch', { input: [await webhookItem(request)], env: ENV, now: NOW });
  if (!result) throw new Error('Verify lead batch returned no item');
  return result.json;
}

describe('the workflow file', () => {
  it('is exactly what build-workflow.ts builds from the code/ sources', () => {
    expect(WORKFLOW_TEXT).toBe(workflowText());
  });

  it('uses only core n8n nodes', () => {
    const types = new Set(workflow.nodes.map((node) => node.type));
    for (const type of types) expect(type).toMatch(/^n8n-nodes-base\.[a-zA-Z]+$/);
    expect([...types].sort()).toEqual(
      ['code', 'httpRequest', 'if', 'postgres', 'respondToWebhook', 'scheduleTrigger', 'stickyNote', 'webhook'].map((name) => `n8n-nodes-base.${name}`),
    );
  });

  it('connects only nodes that exist, and every working node is reachable from a trigger', () => {
    const names = new Set(workflow.nodes.map((node) => node.name));
    const reached = new Set<string>();
    const triggers = workflow.nodes.filter((node) => node.type.endsWith('.webhook') || node.type.endsWith('.scheduleTrigger'));
    const queue = triggers.map((node) => node.name);
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (reached.has(name)) continue;
      reached.add(name);
      for (const output of workflow.connections[name]?.main ?? []) for (const link of output) queue.push(link.node);
    }
    for (const source of Object.keys(workflow.connections)) expect(names).toContain(source);
    const working = workflow.nodes.filter((node) => !node.type.endsWith('.stickyNote')).map((node) => node.name);
    expect(working.filter((name) => !reached.has(name))).toEqual([]);
  });

  it('embeds no secret: keys come from $env, the database from a credential reference', () => {
    expect(WORKFLOW_TEXT).not.toMatch(/whsec_[A-Za-z0-9+/=]{8,}/);
    expect(WORKFLOW_TEXT).not.toMatch(/Bearer [A-Za-z0-9_-]{8,}/);
    expect(WORKFLOW_TEXT).not.toMatch(/"(password|secret|apiKey|token)"\s*:/i);
    const envNames = new Set([...WORKFLOW_TEXT.matchAll(/\$env\.([A-Z_]+)/g)].map((match) => match[1]));
    expect([...envNames].sort()).toEqual(['LEADS_QUEUE_API_KEY', 'LEADS_QUEUE_CALLBACK_URL', 'LEADS_QUEUE_WEBHOOK_SECRET']);
    for (const node of workflow.nodes.filter((candidate) => candidate.credentials)) {
      expect(Object.values(node.credentials ?? {}).every((credential) => Object.keys(credential).sort().join() === 'id,name')).toBe(true);
    }
  });

  it('answers through Respond to Webhook nodes and keeps the raw body for the signature', () => {
    const batch = nodeNamed('Lead batch webhook');
    expect(batch.parameters).toMatchObject({ httpMethod: 'POST', responseMode: 'responseNode', options: { rawBody: true } });
    expect(nodeNamed('Lead event webhook').parameters).toMatchObject({ httpMethod: 'POST', responseMode: 'responseNode' });
    expect(nodeNamed('Start AI WhatsApp conversation').onError).toBe('continueErrorOutput');
  });
});

describe('Verify lead batch', () => {
  it('accepts a correctly signed lead batch and passes the lead on', async () => {
    const result = await verify();
    expect(result).toMatchObject({ ok: true, webhookId: QUEUE_ITEM, queueItemId: QUEUE_ITEM, leadId: LEAD, template: 'intro', attempt: 2, redelivery: true });
    expect(result.candidateTriggerId).toMatch(/^trg_[0-9a-f-]{36}$/);
  });

  it('accepts a rotated secret list where one of the v1 signatures matches', async () => {
    const result = await verify({ signature: (signed) => `v1,${Buffer.from('old key mac').toString('base64')} ${signed}` });
    expect(result.ok).toBe(true);
  });

  it.each([
    ['a tampered body', { sentBody: batchBody({ metadata: { attempt: 3 } }) }, 'signature mismatch'],
    ['a signature made with another secret', { secret: `whsec_${Buffer.from('another secret entirely!').toString('base64')}` }, 'signature mismatch'],
    ['a wrong bearer key', { key: 'stolen' }, 'invalid API key'],
    ['a timestamp 301 seconds old', { timestamp: SECONDS - 301 }, 'webhook-timestamp outside tolerance'],
    ['a timestamp 301 seconds ahead', { timestamp: SECONDS + 301 }, 'webhook-timestamp outside tolerance'],
    ['no signature', { signature: () => '' }, 'missing webhook headers'],
  ])('rejects %s with 401', async (_label, request: Request, error) => {
    expect(await verify(request)).toEqual({ ok: false, status: 401, response: { success: false, error } });
  });

  it('accepts a timestamp exactly 300 seconds old (the edge of the tolerance)', async () => {
    expect((await verify({ timestamp: SECONDS - 300 })).ok).toBe(true);
  });

  it.each([
    ['two leads in one call', batchBody({ leads: [{ lead_id: LEAD, queue_item_id: QUEUE_ITEM }, { lead_id: LEAD, queue_item_id: QUEUE_ITEM }] }), 'leads must hold exactly one lead'],
    ['a queue_item_id other than the webhook-id', batchBody({ leads: [{ lead_id: LEAD, queue_item_id: '11111111-2222-4333-8444-555555555555' }] }), 'leads[0].queue_item_id must equal webhook-id'],
    ['a lead_id that is not a UUID', batchBody({ leads: [{ lead_id: 'lead-1', queue_item_id: QUEUE_ITEM }] }), 'leads[0].lead_id must be a UUID'],
    ['attempt 0', batchBody({ metadata: { attempt: 0 } }), 'metadata.attempt must be a positive integer'],
    ['another event', JSON.stringify({ event: 'ping' }), 'event must be lead_batch_ready'],
  ])('rejects a signed body with %s with 400', async (_label, body, error) => {
    expect(await verify({ body })).toEqual({ ok: false, status: 400, response: { success: false, error } });
  });

  it('refuses to run without its environment instead of accepting unsigned requests', async () => {
    await expect(runCodeNode('Verify lead batch', { input: [await webhookItem()], env: { LEADS_QUEUE_API_KEY: API_KEY }, now: NOW })).rejects.toThrow(
      /LEADS_QUEUE_WEBHOOK_SECRET/,
    );
  });
});

describe('Sign callback', () => {
  const conversationStarted = { event: 'conversation_started', queue_item_id: QUEUE_ITEM, conversation_id: 'conv_1' };

  async function sign(json: Record<string, unknown>): Promise<Record<string, unknown>> {
    const [result] = await runCodeNode('Sign callback', { input: [{ json }], env: ENV, now: NOW });
    if (!result) throw new Error('Sign callback returned no item');
    return result.json;
  }

  it('signs a callback that the repo\'s verifyWebhook accepts, for the URL in the environment', async () => {
    const signed = await sign({ callback: conversationStarted, callbackKey: `conversation_started:${QUEUE_ITEM}:trg_1` });
    const headers = new Headers({
      'webhook-id': String(signed.webhookId),
      'webhook-timestamp': String(signed.webhookTimestamp),
      'webhook-signature': String(signed.webhookSignature),
    });
    expect(await verifyWebhook(SECRET, headers, String(signed.body), { now: NOW })).toEqual({ ok: true, id: signed.webhookId });
    expect(JSON.parse(String(signed.body))).toEqual(conversationStarted);
    expect(signed).toMatchObject({ url: ENV.LEADS_QUEUE_CALLBACK_URL, webhookTimestamp: String(SECONDS), event: 'conversation_started', answerLeadEvent: false });
  });

  it('gives one event one webhook-id (a UUID derived from its key), and each other event its own', async () => {
    const first = await sign({ callback: conversationStarted, callbackKey: 'lead_replied:wamid.1' });
    const again = await sign({ callback: conversationStarted, callbackKey: 'lead_replied:wamid.1' });
    const other = await sign({ callback: conversationStarted, callbackKey: 'lead_replied:wamid.2' });
    const keyless = await sign({ callback: conversationStarted });
    expect(first.webhookId).toMatch(UUID);
    expect(String(first.webhookId)[14]).toBe('5');
    expect(again.webhookId).toBe(first.webhookId);
    expect(new Set([first.webhookId, other.webhookId, keyless.webhookId]).size).toBe(3);
    expect(keyless.webhookId).toMatch(UUID);
  });

  it('signs with a stale clock only what verifyWebhook then refuses as stale', async () => {
    const signed = await sign({ callback: conversationStarted });
    const headers = new Headers({
      'webhook-id': String(signed.webhookId),
      'webhook-timestamp': String(signed.webhookTimestamp),
      'webhook-signature': String(signed.webhookSignature),
    });
    const later = new Date(NOW.getTime() + 301_000);
    expect(await verifyWebhook(SECRET, headers, String(signed.body), { now: later })).toEqual({ ok: false, reason: 'webhook-timestamp outside tolerance' });
  });
});

describe('Read lead event', () => {
  async function read(body: unknown, key = API_KEY): Promise<Record<string, unknown>> {
    const item: Item = { json: { headers: { authorization: `Bearer ${key}` }, params: {}, query: {}, body } };
    const [result] = await runCodeNode('Read lead event', { input: [item], env: ENV, now: NOW });
    if (!result) throw new Error('Read lead event returned no item');
    return result.json;
  }

  it('reports a reply as lead_replied, keyed by the WhatsApp message id', async () => {
    expect(await read({ lead_id: LEAD, queue_item_id: QUEUE_ITEM, text: 'Yes please, call me', message_id: 'wamid.9' })).toEqual({
      ok: true,
      callback: { event: 'lead_replied', lead_id: LEAD, queue_item_id: QUEUE_ITEM },
      callbackKey: 'lead_replied:wamid.9',
      answerLeadEvent: true,
    });
  });

  it.each([
    ['הסר', 'הסר'],
    ['נא הסר אותי!', 'הסר'],
    ['STOP', 'stop'],
    ['Please unsubscribe me.', 'unsubscribe'],
  ])('reports "%s" as lead_opted_out with keyword %s', async (text, keyword) => {
    expect((await read({ lead_id: LEAD, text })).callback).toEqual({ event: 'lead_opted_out', lead_id: LEAD, keyword });
  });

  it('opts out on type "stop" even without a stop word', async () => {
    expect((await read({ lead_id: LEAD, type: 'stop', text: 'enough' })).callback).toEqual({ event: 'lead_opted_out', lead_id: LEAD });
  });

  it('does not take a word that merely contains a stop word for one', async () => {
    expect((await read({ lead_id: LEAD, text: 'the bus stopped, I will be late' })).callback).toEqual({ event: 'lead_replied', lead_id: LEAD });
  });

  it.each([
    ['a wrong bearer key', { lead_id: LEAD, text: 'hi' }, 'nope', 401, 'invalid API key'],
    ['a lead_id that is not a UUID', { lead_id: '42', text: 'hi' }, API_KEY, 400, 'lead_id must be a UUID'],
    ['an unknown type', { lead_id: LEAD, type: 'maybe' }, API_KEY, 400, 'type must be reply or stop'],
  ])('rejects %s', async (_label, body, key, status, error) => {
    expect(await read(body, key)).toEqual({ ok: false, status, response: { success: false, error } });
  });
});

describe('Start AI WhatsApp conversation (the placeholder)', () => {
  it('produces a conversation id for the verified lead', async () => {
    const verified = { json: await verify() };
    const [started] = await runCodeNode('Start AI WhatsApp conversation', { input: [{ json: {} }], env: ENV, nodes: { 'Verify lead batch': verified }, now: NOW });
    expect(started?.json).toMatchObject({ lead_id: LEAD, template: 'intro', variables: { first_name: 'Noa' } });
    expect(started?.json.conversation_id).toMatch(/^conv_[0-9a-f-]{36}$/);
  });

  it('fails (into its error output) when there is nothing to say', async () => {
    const verified = { json: { ...(await verify()), template: '' } };
    await expect(
      runCodeNode('Start AI WhatsApp conversation', { input: [{ json: {} }], env: ENV, nodes: { 'Verify lead batch': verified }, now: NOW }),
    ).rejects.toThrow(/no template/);
  });
});
