import { verifyWebhook, webhookSecretProblem } from '../_shared/agentWebhook.ts';
import type { DatabaseClient } from '../_shared/db.ts';
import { errorResponse, jsonResponse, preflight } from '../_shared/http.ts';
import { agentCallbackInput, agentEventOutcome, describeIssues } from '../_shared/schemas.ts';

export interface AgentCallbackDeps {
  service: DatabaseClient;
  /** AGENT_DB_WEBHOOK_SECRET: the Agent DB signs its reports with the same Standard Webhooks secret. */
  secret: string;
  clock: () => Date;
}

/**
 * The Agent DB's reports, signed (Standard Webhooks): a conversation start or a failed one, a lead's reply, a stop word.
 * Each is applied once per webhook-id (record_agent_event): a replay is answered 200 as the first was and changes nothing.
 */
export async function handleAgentCallback(request: Request, deps: AgentCallbackDeps): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  if (request.method !== 'POST') return errorResponse(405, 'method_not_allowed', 'Use POST');
  const problem = webhookSecretProblem(deps.secret);
  if (problem) return errorResponse(503, 'config_error', `Callbacks cannot be verified: ${problem}`);

  const raw = await request.text();
  if (raw.length > 64 * 1024) return errorResponse(413, 'invalid_input', 'Body too large');
  const verified = await verifyWebhook(deps.secret, request.headers, raw, { now: deps.clock() });
  if (!verified.ok) return errorResponse(401, 'invalid_signature', verified.reason);

  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return errorResponse(400, 'invalid_input', 'Body is not valid JSON');
  }
  const parsed = agentCallbackInput.safeParse(body);
  if (!parsed.success) return errorResponse(400, 'invalid_input', describeIssues(parsed.error));
  const report = parsed.data;

  const { data, error } = await deps.service.rpc('record_agent_event', { webhook_id: verified.id, event: report });
  if (error) {
    if (error.code === 'LQ404') return errorResponse(404, 'not_found', error.message);
    // The report overtook our own complete_queue_item: ask the Agent DB to send it again shortly (nothing was recorded).
    if (error.code === 'LQ409') return errorResponse(409, 'not_ready', 'The queue item is still being sent; retry shortly', { retryAfter: 5 });
    console.error('agent-callback: record_agent_event failed', error);
    return errorResponse(500, 'internal_error', 'Could not record the report; retry later');
  }
  return jsonResponse({ ok: true, event: report.event, ...agentEventOutcome.parse(data) });
}
