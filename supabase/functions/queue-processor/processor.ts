import { triggerAgent, type AgentConfig, type WebhookOutcome } from '../_shared/agentWebhook.ts';
import { isKnownTimeZone, isOpenAt, localDayBounds } from '../_shared/businessRules.ts';
import type { Database } from '../_shared/database.ts';
import type { DatabaseClient } from '../_shared/db.ts';
import { sendBudgetPerHour, takeSendTokens, type TakeTokens } from '../_shared/rateLimiter.ts';
import { QUEUE_SETTINGS_COLUMNS, queueSettingsRow, type QueueSettingsRow } from '../_shared/schemas.ts';

export interface ProcessorDeps {
  service: DatabaseClient;
  takeTokens: TakeTokens;
  agent: AgentConfig | null;
  /** Injected so tests can move time; the server clock in production. */
  clock: () => Date;
  /** The real time, for webhook timestamps the receiver checks against its own clock. */
  wallClock: () => Date;
  /** Real elapsed time for the wall-clock budget (never the injected clock). */
  monotonic: () => number;
  sleep: (ms: number) => Promise<void>;
  workerId: string;
  batchSize: number;
  processingDelayMs: number;
  budgetMs: number;
  whatsappPerHour: number;
}

export interface RunOptions {
  /** Only this admin (queue-leads' trigger for immediate items). */
  userId?: string;
}

type ClaimedItem = Database['public']['Functions']['claim_queue_batch']['Returns'][number];

export interface AdminSummary {
  userId: string;
  clientId: string;
  skipped?: 'outside_window' | 'capacity_reached' | 'rate_limited' | 'client_paused' | 'budget_exhausted' | 'no_due_items' | 'invalid_timezone';
  claimed: number;
  sent: number;
  failed: number;
  retrying: number;
  released: number;
  lost: number;
}

export interface RunSummary {
  workerId: string;
  startedAt: string;
  finishedAt: string;
  admins: AdminSummary[];
  totals: { claimed: number; sent: number; failed: number; retrying: number; released: number };
  errors: string[];
}

/** Room for one item: its pacing delay plus the request timeout. */
function perItemMs(deps: ProcessorDeps, delayMs: number): number {
  return delayMs + (deps.agent?.timeoutMs ?? 10_000);
}

async function countActiveToday(deps: ProcessorDeps, row: QueueSettingsRow, day: { start: Date; end: Date }): Promise<number> {
  const [sent, inFlight] = await Promise.all([
    deps.service
      .from('whatsapp_message_queue')
      .select('id', { count: 'exact', head: true })
      .eq('user_id', row.user_id)
      .eq('client_id', row.client_id)
      .eq('status', 'sent')
      .gte('processed_at', day.start.toISOString())
      .lt('processed_at', day.end.toISOString()),
    deps.service
      .from('whatsapp_message_queue')
      .select('id', { count: 'exact', head: true })
      .eq('user_id', row.user_id)
      .eq('client_id', row.client_id)
      .in('status', ['queued', 'processing']),
  ]);
  if (sent.error || inFlight.error) throw new Error(`capacity count failed: ${(sent.error ?? inFlight.error)?.message}`);
  return (sent.count ?? 0) + (inFlight.count ?? 0);
}

/** Items a claim would take now (due pending, or leases lapsed), up to `limit`: tokens are only taken for these. */
async function countClaimable(deps: ProcessorDeps, row: QueueSettingsRow, limit: number): Promise<number> {
  const now = `"${deps.wallClock().toISOString()}"`;
  const [due, lapsed] = await Promise.all([
    deps.service
      .from('whatsapp_message_queue')
      .select('id')
      .eq('user_id', row.user_id)
      .eq('client_id', row.client_id)
      .eq('status', 'pending')
      .lte('scheduled_for', deps.wallClock().toISOString())
      .or(`next_attempt_at.is.null,next_attempt_at.lte.${now}`)
      .limit(limit),
    deps.service
      .from('whatsapp_message_queue')
      .select('id')
      .eq('user_id', row.user_id)
      .eq('client_id', row.client_id)
      .in('status', ['queued', 'processing'])
      .lt('locked_until', deps.wallClock().toISOString())
      .limit(limit),
  ]);
  if (due.error || lapsed.error) throw new Error(`due count failed: ${(due.error ?? lapsed.error)?.message}`);
  return Math.min(limit, (due.data?.length ?? 0) + (lapsed.data?.length ?? 0));
}

async function clientPausedUntil(deps: ProcessorDeps, clientId: string): Promise<Date | null> {
  const { data, error } = await deps.service.from('clients').select('sending_paused_until').eq('id', clientId).maybeSingle();
  if (error) throw new Error(`client read failed: ${error.message}`);
  const until = data?.sending_paused_until;
  return until ? new Date(until) : null;
}

/** 429/503 with Retry-After: the whole client waits (only ever pushed later, never earlier). */
async function pauseClient(deps: ProcessorDeps, clientId: string, until: Date): Promise<void> {
  const { error } = await deps.service
    .from('clients')
    .update({ sending_paused_until: until.toISOString() })
    .eq('id', clientId)
    .or(`sending_paused_until.is.null,sending_paused_until.lt."${until.toISOString()}"`);
  if (error) console.error('queue-processor: pause failed', error.message);
}

/** Hands claimed-but-unstarted items back without spending their attempt (queued -> pending is legal). */
async function releaseItems(deps: ProcessorDeps, items: ClaimedItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const { data, error } = await deps.service.rpc('release_queue_items', { ids: items.map((item) => item.id), worker_id: deps.workerId });
  if (error) {
    console.error('queue-processor: release failed', error.message);
    return 0;
  }
  return data ?? 0;
}

async function settle(deps: ProcessorDeps, item: ClaimedItem, outcome: WebhookOutcome, summary: AdminSummary): Promise<void> {
  if (outcome.kind === 'sent') {
    const { error } = await deps.service.rpc('complete_queue_item', { item_id: item.id, worker_id: deps.workerId, agent_trigger_id: outcome.triggerId });
    if (error) summary.lost += 1;
    else summary.sent += 1;
    return;
  }
  const { data, error } = await deps.service.rpc('fail_queue_item', {
    item_id: item.id,
    worker_id: deps.workerId,
    error_message: outcome.message,
    error_code: outcome.code,
    retryable: outcome.kind === 'retryable',
    retry_after_seconds: outcome.kind === 'retryable' ? (outcome.retryAfterSeconds ?? undefined) : undefined,
  });
  if (error) summary.lost += 1;
  else if (data === 'failed') summary.failed += 1;
  else summary.retrying += 1;
}

async function processAdmin(deps: ProcessorDeps, row: QueueSettingsRow, deadline: number, errors: string[]): Promise<AdminSummary> {
  const summary: AdminSummary = { userId: row.user_id, clientId: row.client_id, claimed: 0, sent: 0, failed: 0, retrying: 0, released: 0, lost: 0 };
  const delayMs = row.processing_delay_ms ?? deps.processingDelayMs;
  const batchSize = Math.min(deps.batchSize, row.batch_size ?? deps.batchSize);
  const perHour = sendBudgetPerHour(deps.whatsappPerHour, row.rate_limit_per_hour);
  let first = true;
  if (!isKnownTimeZone(row.timezone)) {
    errors.push(`${row.user_id} (client ${row.client_id}): time zone ${row.timezone} is unknown to this runtime; fix it in the settings`);
    return { ...summary, skipped: 'invalid_timezone' };
  }

  for (;;) {
    const now = deps.clock();
    if (!isOpenAt(now, row)) return { ...summary, skipped: summary.claimed ? undefined : 'outside_window' };
    const pausedUntil = await clientPausedUntil(deps, row.client_id);
    if (pausedUntil && pausedUntil > now) return { ...summary, skipped: 'client_paused' };
    const day = localDayBounds(now, row.timezone);
    const room = row.max_capacity - (await countActiveToday(deps, row, day));
    if (room <= 0) return { ...summary, skipped: summary.claimed ? undefined : 'capacity_reached' };
    const fits = Math.floor((deadline - deps.monotonic()) / perItemMs(deps, delayMs));
    if (fits <= 0) return { ...summary, skipped: summary.claimed ? undefined : 'budget_exhausted' };

    const claimable = await countClaimable(deps, row, Math.min(batchSize, room, fits));
    if (claimable === 0) return { ...summary, skipped: summary.claimed ? undefined : 'no_due_items' };
    const wanted = claimable;
    const tokens = await takeSendTokens(deps.takeTokens, row.client_id, wanted, perHour);
    if (tokens <= 0) return { ...summary, skipped: summary.claimed ? undefined : 'rate_limited' };

    const leaseSeconds = Math.min(3600, Math.ceil((tokens * perItemMs(deps, delayMs)) / 1000) + 30);
    // The count above is an early exit; the claim re-checks the cap under a per-admin lock, so overlapping runs cannot overshoot it.
    const claim = await deps.service.rpc('claim_queue_batch', {
      worker_id: deps.workerId,
      max_items: tokens,
      lease_seconds: leaseSeconds,
      for_user: row.user_id,
      for_client: row.client_id,
      daily_cap: row.max_capacity,
      today: `[${day.start.toISOString()},${day.end.toISOString()})`,
    });
    if (claim.error) {
      errors.push(`claim for ${row.user_id}: ${claim.error.message}`);
      return summary;
    }
    const items = claim.data ?? [];
    summary.claimed += items.length;
    if (items.length === 0) return { ...summary, skipped: summary.claimed ? undefined : 'no_due_items' };

    for (let index = 0; index < items.length; index += 1) {
      const item = items[index]!;
      const rest = items.slice(index);
      if (!first && delayMs > 0) await deps.sleep(delayMs);
      first = false;
      // Past the budget, or the client was paused by a 429/503 a moment ago: give the rest back.
      const paused = await clientPausedUntil(deps, row.client_id);
      if (deps.monotonic() + (deps.agent?.timeoutMs ?? 0) > deadline || (paused && paused > deps.clock())) {
        summary.released += await releaseItems(deps, rest);
        return summary;
      }
      const started = await deps.service.rpc('start_queue_item', { item_id: item.id, worker_id: deps.workerId });
      if (started.error || started.data !== true) {
        summary.lost += 1;
        continue;
      }
      const outcome: WebhookOutcome = deps.agent
        ? await triggerAgent(deps.agent, item, deps.wallClock())
        : { kind: 'retryable', status: null, code: 'not_configured', message: 'AGENT_DB_WEBHOOK_URL is not set', retryAfterSeconds: 300 };
      await settle(deps, item, outcome, summary);
      if (outcome.kind === 'retryable' && (outcome.status === 429 || outcome.status === 503)) {
        const seconds = outcome.retryAfterSeconds ?? 60;
        await pauseClient(deps, row.client_id, new Date(deps.clock().getTime() + seconds * 1000));
      }
    }
    if (items.length < tokens) return summary;
  }
}

/**
 * One processor run: every running (admin, client) pair with due items, concurrently; each paced, inside that client's
 * window, under its capacity and the client's send budget. Overlapping runs are safe: claims never overlap, and the
 * claim itself leaves out items of opted-out leads and of owners who are no longer admins of the client.
 */
export async function runProcessor(deps: ProcessorDeps, options: RunOptions = {}): Promise<RunSummary> {
  const startedAt = deps.clock();
  const deadline = deps.monotonic() + deps.budgetMs;
  const errors: string[] = [];
  let query = deps.service
    .from('user_queue_settings')
    .select(QUEUE_SETTINGS_COLUMNS)
    .eq('processing_state', 'running');
  if (options.userId) query = query.eq('user_id', options.userId);
  const { data, error } = await query;
  if (error) throw new Error(`settings read failed: ${error.message}`);
  const rows = queueSettingsRow.array().parse(data ?? []);

  const admins = await Promise.all(
    rows.map((row) =>
      processAdmin(deps, row, deadline, errors).catch((failure: unknown): AdminSummary => {
        errors.push(`${row.user_id}: ${failure instanceof Error ? failure.message : String(failure)}`);
        return { userId: row.user_id, clientId: row.client_id, claimed: 0, sent: 0, failed: 0, retrying: 0, released: 0, lost: 0 };
      }),
    ),
  );

  const stamp = deps.clock().toISOString();
  await Promise.all(
    rows.map(async (row) => {
      const { error: stampError } = await deps.service
        .from('user_queue_settings')
        .update({ last_processor_run_at: stamp })
        .eq('user_id', row.user_id)
        .eq('client_id', row.client_id);
      if (stampError) errors.push(`last_processor_run_at: ${stampError.message}`);
    }),
  );

  const totals = { claimed: 0, sent: 0, failed: 0, retrying: 0, released: 0 };
  for (const admin of admins) {
    totals.claimed += admin.claimed;
    totals.sent += admin.sent;
    totals.failed += admin.failed;
    totals.retrying += admin.retrying;
    totals.released += admin.released;
  }
  return { workerId: deps.workerId, startedAt: startedAt.toISOString(), finishedAt: deps.clock().toISOString(), admins, totals, errors };
}
