/**
 * Assembles leads-queue-agent.workflow.json from the Code nodes' sources in code/ and the node wiring
 * below, so the JavaScript is reviewed as JavaScript. Run after any change:
 *   npx tsx agent-db/n8n/build-workflow.ts
 * agent-db/__tests__/workflow.test.ts fails when the committed JSON differs from what this builds.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WORKFLOW_FILE = path.join(here, 'leads-queue-agent.workflow.json');

export const LEAD_BATCH_PATH = 'leads-queue/lead-batch';
export const LEAD_EVENT_PATH = 'leads-queue/lead-event';
export const DELIVERIES_CREDENTIAL = { id: 'LeadsQueueDelivr', name: 'Leads Queue deliveries' };
/** How long a webhook-id is remembered; the processor's retries and redeliveries come within hours. */
export const DELIVERY_RETENTION_DAYS = 30;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface WorkflowNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: { [key: string]: Json };
  [setting: string]: Json;
}

function code(file: string): string {
  return readFileSync(path.join(here, 'code', file), 'utf8');
}

/** Stable node ids, so a rebuild changes only what changed. */
function nodeId(name: string): string {
  const hex = createHash('sha256').update(`leads-queue-agent/${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function node(name: string, type: string, typeVersion: number, position: [number, number], parameters: WorkflowNode['parameters'], settings: { [key: string]: Json } = {}): WorkflowNode {
  return { id: nodeId(name), name, type: `n8n-nodes-base.${type}`, typeVersion, position, parameters, ...settings };
}

function codeNode(name: string, file: string, position: [number, number], settings: { [key: string]: Json } = {}): WorkflowNode {
  return node(name, 'code', 2, position, { jsCode: code(file) }, settings);
}

function isTrue(name: string, position: [number, number], value: string): WorkflowNode {
  return node(name, 'if', 2.2, position, {
    conditions: {
      options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
      conditions: [{ id: nodeId(`${name}/condition`), leftValue: value, rightValue: '', operator: { type: 'boolean', operation: 'true', singleValue: true } }],
      combinator: 'and',
    },
    options: {},
  });
}

function respond(name: string, position: [number, number], body: string, status: number | string = 200): WorkflowNode {
  return node(name, 'respondToWebhook', 1.4, position, { respondWith: 'json', responseBody: body, options: { responseCode: status } });
}

function webhook(name: string, urlPath: string, position: [number, number], options: { [key: string]: Json }): WorkflowNode {
  return {
    ...node(name, 'webhook', 2.1, position, { httpMethod: 'POST', path: urlPath, responseMode: 'responseNode', options }),
    webhookId: nodeId(`${name}/webhook`),
  };
}

function postgres(name: string, position: [number, number], query: string, parameters: string | null, settings: { [key: string]: Json } = {}): WorkflowNode {
  const options: { [key: string]: Json } = parameters ? { queryReplacement: parameters } : {};
  return {
    ...node(name, 'postgres', 2.6, position, { operation: 'executeQuery', query, options }, settings),
    credentials: { postgres: DELIVERIES_CREDENTIAL },
  };
}

function note(name: string, position: [number, number], size: [number, number], color: number, content: string): WorkflowNode {
  return node(name, 'stickyNote', 1, position, { content, width: size[0], height: size[1], color });
}

const verified = "$('Verify lead batch').first().json";
const claimed = "$('Claim webhook-id').first().json";
const signed = "$('Sign callback').first().json";

const claimQuery = `insert into leads_queue_deliveries as delivery (webhook_id, lead_id, trigger_id, attempt)
values ($1, $2, $3, $4)
on conflict (webhook_id) do update set
  trigger_id = case when delivery.status = 'failed' then excluded.trigger_id else delivery.trigger_id end,
  attempt = case when delivery.status = 'failed' then excluded.attempt else delivery.attempt end,
  status = case when delivery.status = 'failed' then 'accepted' else delivery.status end,
  requests = delivery.requests + 1,
  last_request_at = now()
returning webhook_id, lead_id, trigger_id, trigger_id = $3 as fresh`;

const startedQuery = `update leads_queue_deliveries
set status = 'started', conversation_id = $3
where webhook_id = $1 and trigger_id = $2
returning json_build_object('event', 'conversation_started', 'queue_item_id', webhook_id, 'conversation_id', conversation_id) as callback,
  'conversation_started:' || webhook_id || ':' || trigger_id as "callbackKey"`;

const failedQuery = `update leads_queue_deliveries
set status = 'failed', error = left($3, 1000)
where webhook_id = $1 and trigger_id = $2
returning json_build_object('event', 'delivery_failed', 'queue_item_id', webhook_id, 'attempt', attempt,
    'error_code', 'conversation_start_failed', 'error_message', error) as callback,
  'delivery_failed:' || webhook_id || ':' || trigger_id as "callbackKey"`;

const purgeQuery = `delete from leads_queue_deliveries where last_request_at < now() - interval '${DELIVERY_RETENTION_DAYS} days'`;

export function buildWorkflow(): Json {
  const nodes: WorkflowNode[] = [
    note('About this workflow', [-40, -260], [900, 220], 7, [
      '## Leads Queue → AI WhatsApp agent (reference workflow)',
      'Receives one lead per call from the Leads Queue processor, checks the bearer key and the Standard Webhooks signature, remembers each webhook-id in PostgreSQL (a repeat is answered with the first triggerId and starts nothing), answers `{success, triggerId, leadId}`, starts the conversation and reports `conversation_started` (or `delivery_failed`) to agent-callback.',
      'The second entry point (`lead-event`) is for your WhatsApp side: POST a reply or a stop word there and it reports `lead_replied` / `lead_opted_out`.',
      'Environment: LEADS_QUEUE_API_KEY, LEADS_QUEUE_WEBHOOK_SECRET, LEADS_QUEUE_CALLBACK_URL; NODE_FUNCTION_ALLOW_BUILTIN=crypto. See agent-db/README.md.',
    ].join('\n\n')),
    note('Your AI WhatsApp conversation', [1500, 120], [520, 420], 3, [
      '## ✋ Replace "Start AI WhatsApp conversation"',
      'Put the start of your AI WhatsApp conversation here. It must output `conversation_id`, and keep **On Error → Continue (using error output)** so a failure is reported as `delivery_failed`.',
      'It runs once per webhook-id: duplicates never reach it.',
    ].join('\n\n')),
    webhook('Lead batch webhook', LEAD_BATCH_PATH, [0, 300], { rawBody: true }),
    codeNode('Verify lead batch', 'verify-lead-batch.js', [220, 300]),
    isTrue('Valid lead batch?', [440, 300], '={{ $json.ok }}'),
    respond('Reject lead batch', [660, 500], '={{ JSON.stringify($json.response) }}', '={{ $json.status }}'),
    postgres('Claim webhook-id', [660, 300], claimQuery, `={{ [${verified}.webhookId, ${verified}.leadId, ${verified}.candidateTriggerId, ${verified}.attempt] }}`),
    respond('Answer with triggerId', [880, 300], '={{ JSON.stringify({ success: true, triggerId: $json.trigger_id, leadId: $json.lead_id }) }}'),
    isTrue('First delivery?', [1100, 300], '={{ $json.fresh }}'),
    codeNode('Start AI WhatsApp conversation', 'start-conversation.js', [1660, 300], { onError: 'continueErrorOutput' }),
    postgres('Record conversation', [2100, 200], startedQuery, `={{ [${verified}.webhookId, ${claimed}.trigger_id, $json.conversation_id] }}`),
    postgres('Record failed start', [2100, 420], failedQuery, `={{ [${verified}.webhookId, ${claimed}.trigger_id, typeof $json.error === 'string' ? $json.error : JSON.stringify($json.error)] }}`),
    codeNode('Sign callback', 'sign-callback.js', [2340, 300]),
    node('Send callback', 'httpRequest', 4.2, [2560, 300], {
      method: 'POST',
      url: '={{ $json.url }}',
      sendHeaders: true,
      headerParameters: {
        parameters: [
          { name: 'webhook-id', value: '={{ $json.webhookId }}' },
          { name: 'webhook-timestamp', value: '={{ $json.webhookTimestamp }}' },
          { name: 'webhook-signature', value: '={{ $json.webhookSignature }}' },
        ],
      },
      sendBody: true,
      contentType: 'raw',
      rawContentType: 'application/json',
      body: '={{ $json.body }}',
      options: { timeout: 10000 },
    }, { retryOnFail: true, maxTries: 5, waitBetweenTries: 5000 }),
    isTrue('Lead event caller?', [2780, 300], `={{ ${signed}.answerLeadEvent }}`),
    respond('Answer lead event', [3000, 300], `={{ JSON.stringify({ success: true, event: ${signed}.event, webhookId: ${signed}.webhookId }) }}`),
    webhook('Lead event webhook', LEAD_EVENT_PATH, [0, 800], {}),
    codeNode('Read lead event', 'read-lead-event.js', [220, 800]),
    isTrue('Valid lead event?', [440, 800], '={{ $json.ok }}'),
    respond('Reject lead event', [660, 1000], '={{ JSON.stringify($json.response) }}', '={{ $json.status }}'),
    node('Daily purge', 'scheduleTrigger', 1.2, [0, 1200], { rule: { interval: [{ triggerAtHour: 3 }] } }),
    postgres('Purge old deliveries', [220, 1200], purgeQuery, null),
  ];

  const to = (...targets: string[]): Json => targets.map((target) => ({ node: target, type: 'main', index: 0 }));
  const connections: Json = {
    'Lead batch webhook': { main: [to('Verify lead batch')] },
    'Verify lead batch': { main: [to('Valid lead batch?')] },
    'Valid lead batch?': { main: [to('Claim webhook-id'), to('Reject lead batch')] },
    'Claim webhook-id': { main: [to('Answer with triggerId')] },
    'Answer with triggerId': { main: [to('First delivery?')] },
    'First delivery?': { main: [to('Start AI WhatsApp conversation'), to()] },
    'Start AI WhatsApp conversation': { main: [to('Record conversation'), to('Record failed start')] },
    'Record conversation': { main: [to('Sign callback')] },
    'Record failed start': { main: [to('Sign callback')] },
    'Sign callback': { main: [to('Send callback')] },
    'Send callback': { main: [to('Lead event caller?')] },
    'Lead event caller?': { main: [to('Answer lead event'), to()] },
    'Lead event webhook': { main: [to('Read lead event')] },
    'Read lead event': { main: [to('Valid lead event?')] },
    'Valid lead event?': { main: [to('Sign callback'), to('Reject lead event')] },
    'Daily purge': { main: [to('Purge old deliveries')] },
  };

  return {
    id: 'LeadsQueueAgent1',
    name: 'Leads Queue → AI WhatsApp agent',
    nodes: nodes as unknown as Json,
    connections,
    settings: { executionOrder: 'v1' },
    active: false,
    pinData: {},
    tags: [],
  };
}

export function workflowText(): string {
  return `${JSON.stringify(buildWorkflow(), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(WORKFLOW_FILE, workflowText());
  console.log(`wrote ${path.relative(process.cwd(), WORKFLOW_FILE)}`);
}
