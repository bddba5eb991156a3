import type { DatabaseClient } from '../_shared/db.ts';
import { bearerToken, errorResponse, jsonResponse, preflight, readJson } from '../_shared/http.ts';
import { describeIssues, enqueueRefusal, enqueueResult, queueLeadsInput } from '../_shared/schemas.ts';

export interface QueueLeadsDeps {
  /** supabase-js acting as the caller (their Authorization forwarded, RLS applies). */
  userClient: (authorization: string) => DatabaseClient;
  /** Service role: note_queue_rejection only (a body this function cannot read is refused like enqueue_leads refuses). */
  service: DatabaseClient;
  /** Starts a processor run for this admin now (immediate items); failures must not fail the request. */
  triggerProcessor?: (userId: string) => Promise<void>;
}

/**
 * A body it cannot read: the caller's operation limit and the audit log, as enqueue_leads keeps them (note_queue_rejection
 * takes the token, so a loop of bad requests is limited before it is logged).
 */
async function refuseBody(deps: QueueLeadsDeps, userId: string, message: string): Promise<Response> {
  const { data, error } = await deps.service.rpc('note_queue_rejection', { caller: userId, status: 400, code: 'invalid_input', message });
  if (error) console.error('queue-leads: note_queue_rejection failed', error.message);
  const noted = enqueueRefusal.safeParse(data);
  if (noted.success && noted.data.code === 'rate_limited') {
    return errorResponse(429, 'rate_limited', noted.data.message, { retryAfter: noted.data.retryAfter ?? 1 });
  }
  return errorResponse(400, 'invalid_input', message);
}

/**
 * POST /functions/v1/queue-leads: the SPA's way in. The rules (limit, bounds, hours, holidays, capacity) live in
 * enqueue_leads, which a direct RPC call reaches too; this wires HTTP to it and keeps its answers.
 */
export async function handleQueueLeads(request: Request, deps: QueueLeadsDeps): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  if (request.method !== 'POST') return errorResponse(405, 'method_not_allowed', 'Use POST');

  const authorization = request.headers.get('authorization') ?? '';
  const token = bearerToken(request);
  if (!token) return errorResponse(401, 'unauthorized', 'Sign in to queue leads');
  const client = deps.userClient(authorization);
  const { data: auth, error: authError } = await client.auth.getUser(token);
  if (authError || !auth.user) return errorResponse(401, 'unauthorized', 'Your session is invalid or has expired; sign in again');
  const userId = auth.user.id;

  const body = await readJson(request);
  if (!body.ok) return refuseBody(deps, userId, body.message);
  const parsed = queueLeadsInput.safeParse(body.value);
  if (!parsed.success) return refuseBody(deps, userId, describeIssues(parsed.error));
  const input = parsed.data;

  const { data, error, status } = await client.rpc('enqueue_leads', {
    lead_ids: input.leadIds,
    priority: input.priority,
    scheduled_for: input.scheduledFor,
    message_template: input.template,
    message_variables: input.variables,
    defer_to_next_window: input.deferToNextWindow,
    client_id: input.clientId,
    include_recently_contacted: input.includeRecentlyContacted,
  });
  if (error) {
    const refusal = enqueueRefusal.safeParse(error);
    if (refusal.success && status >= 400 && status < 500) {
      const { code, message, nextWindow, retryAfter } = refusal.data;
      return errorResponse(status, code, message, {
        ...(nextWindow !== undefined ? { nextWindow } : {}),
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      });
    }
    console.error('queue-leads: enqueue_leads failed', error);
    return errorResponse(500, 'internal_error', 'Could not queue the leads; nothing was queued');
  }
  const result = enqueueResult.parse(data);
  if (input.priority === 'immediate' && result.queued > 0 && deps.triggerProcessor) {
    await deps.triggerProcessor(userId).catch((failure: unknown) => console.error('queue-leads: processor trigger failed', failure));
  }
  return jsonResponse({
    queued: result.queued,
    queueIds: result.queue_ids,
    skipped: {
      duplicates: result.skipped_duplicates,
      optedOut: result.skipped_opted_out,
      unknown: result.skipped_unknown,
      recentlyContacted: result.skipped_recently_contacted,
    },
    cooldownDays: result.cooldown_days,
    warning: result.warning,
    scheduledFor: new Date(result.scheduled_for).toISOString(),
  });
}
