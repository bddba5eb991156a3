import { verifyWebhook } from '../_shared/agentWebhook.ts';
import type { DatabaseClient } from '../_shared/db.ts';
import { errorResponse, jsonResponse, preflight } from '../_shared/http.ts';
import { agentCallbackInput, describeIssues } from '../_shared/schemas.ts';

export interface AgentCallbackDeps {
  service: DatabaseClient;
  /** AGENT_DB_WEBHOOK_SECRET: the Agent DB signs its reports with the same Standard Webhooks secret. */
  secret: string;
  clock: () => Date;
}

/** The Agent DB's report on a conversation start: a conversation id, or a WhatsApp delivery error. */
export async function handleAgentCallback(request: Request, deps: AgentCallbackDeps): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  if (request.method !== 'POST') return errorResponse(405, 'method_not_allowed', 'Use POST');
  if (!deps.secret) return errorResponse(503, 'not_configured', 'AGENT_DB_WEBHOOK_SECRET is not set');

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

  const { data, error } = await deps.service.rpc('record_agent_outcome', {
    item_id: report.queue_item_id,
    conversation_id: report.event === 'conversation_started' ? report.conversation_id : undefined,
    delivery_error_code: report.event === 'delivery_failed' ? report.error_code : undefined,
    delivery_error_message: report.event === 'delivery_failed' ? report.error_message : undefined,
  });
  if (error) {
    if (error.code === 'LQ404') return errorResponse(404, 'not_found', `Queue item ${report.queue_item_id} does not exist`);
    console.error('agent-callback: record_agent_outcome failed', error);
    return errorResponse(500, 'internal_error', 'Could not record the outcome; retry later');
  }
  // The report can overtake our own complete_queue_item: ask the Agent DB to send it again shortly.
  if (data === 'queued' || data === 'processing') {
    return errorResponse(409, 'not_ready', 'The queue item is still being sent; retry shortly', { retryAfter: 5 });
  }
  return jsonResponse({ ok: true, queueItemId: report.queue_item_id, status: data });
}
