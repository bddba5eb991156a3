import { checkWindow, nextBusinessWindow, type BusinessSettings, type BusinessWindow } from '../_shared/businessRules.ts';
import type { Database } from '../_shared/database.ts';
import type { DatabaseClient } from '../_shared/db.ts';
import { bearerToken, errorResponse, jsonResponse, preflight, readJson } from '../_shared/http.ts';
import { createQueueRateLimiter, type TakeTokens } from '../_shared/rateLimiter.ts';
import { describeIssues, enqueueResult, QUEUE_SETTINGS_COLUMNS, queueLeadsInput, queueSettingsRow, type QueueLeadsInput } from '../_shared/schemas.ts';

export interface QueueLeadsDeps {
  clock: () => Date;
  /** supabase-js acting as the caller (their Authorization forwarded, RLS applies). */
  userClient: (authorization: string) => DatabaseClient;
  /** Service role: the audit log and the rate-limit bucket only. */
  service: DatabaseClient;
  takeTokens: TakeTokens;
  queueOperationsPerHour: number;
  /** Starts a processor run for this admin now (immediate items); failures must not fail the request. */
  triggerProcessor?: (userId: string) => Promise<void>;
}

interface Caller {
  userId: string;
  client: DatabaseClient;
  clientId: string | null;
  role: Database['public']['Enums']['member_role'] | null;
  settings: BusinessSettings | null;
}

const FAR_FUTURE_MS = 366 * 24 * 3600 * 1000;

function windowJson(window: BusinessWindow | null | undefined) {
  return window ? { start: window.start.toISOString(), end: window.end.toISOString() } : null;
}

async function identify(deps: QueueLeadsDeps, authorization: string, token: string): Promise<Caller | null> {
  const client = deps.userClient(authorization);
  const { data, error } = await client.auth.getUser(token);
  if (error || !data.user) return null;
  const userId = data.user.id;
  const [members, settings] = await Promise.all([
    client.from('client_members').select('client_id, role').eq('user_id', userId),
    client.from('user_queue_settings').select(QUEUE_SETTINGS_COLUMNS).eq('user_id', userId).maybeSingle(),
  ]);
  const rows = members.data ?? [];
  const settingsRow = settings.data ? queueSettingsRow.parse(settings.data) : null;
  const admin = rows.find((row) => row.role === 'admin' && (!settingsRow || row.client_id === settingsRow.client_id));
  const membership = admin ?? rows[0] ?? null;
  return {
    userId,
    client,
    clientId: settingsRow?.client_id ?? membership?.client_id ?? null,
    role: membership?.role ?? null,
    settings: settingsRow,
  };
}

/** Writes a refused attempt to the audit log (the spec: "log attempts outside hours"); never fails the request. */
async function auditRejection(deps: QueueLeadsDeps, caller: Caller, code: string, message: string, details: Record<string, unknown>) {
  if (!caller.clientId) return;
  const { error } = await deps.service.from('queue_audit_log').insert({
    client_id: caller.clientId,
    user_id: caller.userId,
    actor_id: caller.userId,
    action: 'queue_rejected',
    details: { code, message, ...details },
  });
  if (error) console.error('queue-leads: audit insert failed', error.message);
}

async function reject(
  deps: QueueLeadsDeps,
  caller: Caller,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<Response> {
  await auditRejection(deps, caller, code, message, { status, ...details });
  return errorResponse(status, code, message, extra);
}

export async function handleQueueLeads(request: Request, deps: QueueLeadsDeps): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  if (request.method !== 'POST') return errorResponse(405, 'method_not_allowed', 'Use POST');

  const authorization = request.headers.get('authorization') ?? '';
  const token = bearerToken(request);
  if (!token) return errorResponse(401, 'unauthorized', 'Sign in to queue leads');
  const caller = await identify(deps, authorization, token);
  if (!caller) return errorResponse(401, 'unauthorized', 'Your session is invalid or has expired; sign in again');

  const body = await readJson(request);
  if (!body.ok) return reject(deps, caller, 400, 'invalid_input', body.message);
  const parsed = queueLeadsInput.safeParse(body.value);
  if (!parsed.success) return reject(deps, caller, 400, 'invalid_input', describeIssues(parsed.error));
  const input = parsed.data;
  const details = { lead_count: input.leadIds.length, priority: input.priority, scheduled_for: input.scheduledFor ?? null };

  if (caller.role !== 'admin' || !caller.settings) {
    return reject(deps, caller, 403, 'forbidden', 'Only a client admin can queue leads', details);
  }

  const limit = await createQueueRateLimiter(deps.takeTokens, deps.queueOperationsPerHour).checkLimit(caller.userId);
  if (!limit.allowed) {
    return reject(deps, caller, 429, 'rate_limited', `Rate limit exceeded. Try again in ${limit.retryAfter}s`, details, {
      retryAfter: limit.retryAfter,
    });
  }

  const now = deps.clock();
  const requested = input.scheduledFor ? new Date(input.scheduledFor) : now;
  if (requested.getTime() - now.getTime() > FAR_FUTURE_MS) {
    return reject(deps, caller, 400, 'invalid_input', 'scheduledFor: at most one year ahead', details);
  }
  // A time already past means "as soon as allowed", judged from now.
  let scheduledFor = requested < now ? now : requested;
  const window = checkWindow(scheduledFor, caller.settings);
  if (!window.allowed) {
    const next = nextBusinessWindow(scheduledFor, caller.settings);
    if (!input.deferToNextWindow || !next) {
      const code = window.code ?? 'business_closed';
      return reject(deps, caller, 422, code, window.reason ?? 'Business closed', details, { nextWindow: windowJson(next) });
    }
    scheduledFor = next.start;
  }

  return enqueue(deps, caller, input, scheduledFor, details);
}

async function enqueue(
  deps: QueueLeadsDeps,
  caller: Caller,
  input: QueueLeadsInput,
  scheduledFor: Date,
  details: Record<string, unknown>,
): Promise<Response> {
  const { data, error } = await caller.client.rpc('enqueue_leads', {
    lead_ids: input.leadIds,
    priority: input.priority,
    scheduled_for: scheduledFor.toISOString(),
    message_template: input.template,
    message_variables: input.variables,
  });
  if (error) {
    if (error.code === 'LQ422') return reject(deps, caller, 422, 'capacity_exceeded', error.message, details);
    if (error.code === '42501') return reject(deps, caller, 403, 'forbidden', error.message, details);
    if (error.code === '22023' || error.code === '23514' || error.code === '22P02') {
      return reject(deps, caller, 400, 'invalid_input', error.message, details);
    }
    console.error('queue-leads: enqueue_leads failed', error);
    return errorResponse(500, 'internal_error', 'Could not queue the leads; nothing was queued');
  }
  const result = enqueueResult.parse(data);
  if (result.queued === 0 && result.skipped_unknown === new Set(input.leadIds).size) {
    return reject(deps, caller, 403, 'forbidden', 'None of these leads belong to your client', details);
  }
  if (input.priority === 'immediate' && result.queued > 0 && deps.triggerProcessor) {
    await deps.triggerProcessor(caller.userId).catch((failure: unknown) => console.error('queue-leads: processor trigger failed', failure));
  }
  return jsonResponse({
    queued: result.queued,
    queueIds: result.queue_ids,
    skipped: { duplicates: result.skipped_duplicates, optedOut: result.skipped_opted_out, unknown: result.skipped_unknown },
    warning: result.warning,
    scheduledFor: scheduledFor.toISOString(),
  });
}
