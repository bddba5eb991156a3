import { triggerAgent, type AgentConfig, type WebhookOutcome } from '../_shared/agentWebhook.ts';
import type { Database } from '../_shared/database.ts';
import type { DatabaseClient } from '../_shared/db.ts';

export interface ProcessorDeps {
  service: DatabaseClient;
  agent: AgentConfig | null;
  /** Injected so tests can move time; the server clock in production. The business clock: windows, pauses, the day. */
  clock: () => Date;
  /** The real time, for webhook timestamps the receiver checks against its own clock. */
  wallClock: () => Date;
  /** Real elapsed time for the wall-clock budget and pacing waits (never the injected clock). */
  monotonic: () => number;
  sleep: (ms: number) => Promise<void>;
  workerId: string;
  /** The environment's values (QUEUE_*): mirrored into the database, where the pacing rules read them. */
  batchSize: number;
  processingDelayMs: number;
  budgetMs: number;
  whatsappPerHour: number;
}

export type Pair = { user_id: string; client_id: string };

export interface RunOptions {
  /** The dispatcher's shard. */
  pairs?: Pair[];
  /** Only this admin's running pairs (queue-leads' trigger for immediate items). */
  userId?: string;
}

type QueueItem = Database['public']['Tables']['whatsapp_message_queue']['Row'];

/** Why a pair stopped before sending anything (claim_next_item's reasons, plus the invocation's own budget). */
export type SkipReason =
  | 'outside_window' | 'capacity_reached' | 'rate_limited' | 'client_paused' | 'budget_exhausted' | 'no_due_items'
  | 'not_leased' | 'not_running' | 'not_admin';

export interface AdminSummary {
  userId: string;
  clientId: string;
  skipped?: SkipReason;
  claimed: number;
  sent: number;
  failed: number;
  retrying: number;
  lost: number;
}

export interface RunSummary {
  workerId: string;
  startedAt: string;
  finishedAt: string;
  /** Pairs asked for that another invocation holds (or that stopped running). */
  notLeased: number;
  admins: AdminSummary[];
  totals: { claimed: number; sent: number; failed: number; retrying: number };
  /** Database calls this run made (the bench divides them by the sends). */
  roundTrips: number;
  errors: string[];
}

interface Claim {
  item?: QueueItem;
  reason?: SkipReason | 'paced';
  wait_ms?: number;
}

interface PairRun {
  summary: AdminSummary;
  /** monotonic() before which the pair's next claim would be refused as paced. */
  readyAt: number;
  busy: boolean;
  done: boolean;
}

function finish(pair: PairRun, reason: SkipReason): void {
  pair.done = true;
  if (pair.summary.claimed === 0) pair.summary.skipped = reason;
}

async function settle(deps: ProcessorDeps, run: RunSummary, item: QueueItem, outcome: WebhookOutcome, summary: AdminSummary): Promise<void> {
  run.roundTrips += 1;
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

/** 429/503 with Retry-After: the whole client waits (only ever pushed later, never earlier). */
async function pauseClient(deps: ProcessorDeps, run: RunSummary, clientId: string, until: Date): Promise<void> {
  run.roundTrips += 1;
  const { error } = await deps.service
    .from('clients')
    .update({ sending_paused_until: until.toISOString() })
    .eq('id', clientId)
    .or(`sending_paused_until.is.null,sending_paused_until.lt."${until.toISOString()}"`);
  if (error) console.error('queue-processor: pause failed', error.message);
}

/** The POST of one claimed item and its outcome; the pair takes no other claim meanwhile, so its sends stay in order. */
async function send(deps: ProcessorDeps, run: RunSummary, pair: PairRun, item: QueueItem): Promise<void> {
  const outcome: WebhookOutcome = deps.agent
    ? await triggerAgent(deps.agent, item, deps.wallClock())
    : { kind: 'retryable', status: null, code: 'not_configured', message: 'AGENT_DB_WEBHOOK_URL is not set', retryAfterSeconds: 300 };
  await settle(deps, run, item, outcome, pair.summary);
  if (outcome.kind === 'retryable' && (outcome.status === 429 || outcome.status === 503)) {
    await pauseClient(deps, run, item.client_id, new Date(deps.clock().getTime() + (outcome.retryAfterSeconds ?? 60) * 1000));
  }
}

async function claimNext(deps: ProcessorDeps, run: RunSummary, pair: PairRun, leaseSeconds: number): Promise<Claim> {
  run.roundTrips += 1;
  const { data, error } = await deps.service.rpc('claim_next_item', {
    worker_id: deps.workerId,
    for_user: pair.summary.userId,
    for_client: pair.summary.clientId,
    at: deps.clock().toISOString(),
    lease_seconds: leaseSeconds,
  });
  if (error) throw new Error(`claim for ${pair.summary.userId} (client ${pair.summary.clientId}): ${error.message}`);
  return data as Claim;
}

/**
 * The invocation's pairs, served one claim at a time in the lease's order (least recently served first), each pair
 * as soon as its pacing allows: claims are sequential (one database connection's worth of work, fair order), POSTs
 * run concurrently, and a pair never has two items in flight.
 */
async function serve(deps: ProcessorDeps, run: RunSummary, pairs: PairRun[], deadline: number): Promise<void> {
  const timeoutMs = deps.agent?.timeoutMs ?? 10_000;
  const itemLeaseSeconds = Math.ceil(timeoutMs / 1000) + 30;
  const inFlight = new Set<Promise<void>>();
  // Budgets and pauses are the client's: once one pair of a client is refused for them, its other pairs wait for the
  // next tick too, where the least recently served go first (no pair of the client takes a token in between).
  const stoppedClients = new Map<string, SkipReason>();
  for (;;) {
    for (const pair of pairs) {
      if (pair.done || pair.busy || pair.readyAt > deps.monotonic()) continue;
      const clientStop = stoppedClients.get(pair.summary.clientId);
      if (clientStop) {
        finish(pair, clientStop);
        continue;
      }
      // A send must be able to finish (its request timeout) before the budget ends.
      if (deps.monotonic() + timeoutMs > deadline) {
        finish(pair, 'budget_exhausted');
        continue;
      }
      let claim: Claim;
      try {
        claim = await claimNext(deps, run, pair, itemLeaseSeconds);
      } catch (failure) {
        run.errors.push(failure instanceof Error ? failure.message : String(failure));
        pair.done = true;
        continue;
      }
      if (claim.item) {
        const item = claim.item;
        pair.summary.claimed += 1;
        pair.busy = true;
        pair.readyAt = deps.monotonic() + (claim.wait_ms ?? 0);
        // The next turn would not fit the budget: the pair is released after this send, for the next invocation.
        if (pair.readyAt + timeoutMs > deadline) pair.done = true;
        const sending: Promise<void> = send(deps, run, pair, item)
          .catch((failure: unknown) => {
            pair.summary.lost += 1;
            run.errors.push(`send ${item.id}: ${failure instanceof Error ? failure.message : String(failure)}`);
          })
          .finally(() => {
            pair.busy = false;
            inFlight.delete(sending);
          });
        inFlight.add(sending);
      } else if (claim.reason === 'paced') {
        pair.readyAt = deps.monotonic() + Math.max(1, claim.wait_ms ?? 1);
        // No room left to wait for the next turn and still send it.
        if (pair.readyAt + timeoutMs > deadline) finish(pair, 'budget_exhausted');
      } else {
        const reason = claim.reason ?? 'no_due_items';
        if (reason === 'rate_limited' || reason === 'client_paused') stoppedClients.set(pair.summary.clientId, reason);
        finish(pair, reason);
      }
    }
    const waiting = pairs.filter((pair) => !pair.done && !pair.busy);
    if (waiting.length === 0 && inFlight.size === 0 && pairs.every((pair) => pair.done)) return;
    const nextReady = waiting.length ? Math.min(...waiting.map((pair) => pair.readyAt)) - deps.monotonic() : Number.POSITIVE_INFINITY;
    if (nextReady <= 0) continue;
    const wakeUps: Promise<unknown>[] = [...inFlight];
    if (Number.isFinite(nextReady)) wakeUps.push(deps.sleep(nextReady));
    if (wakeUps.length === 0) return;
    await Promise.race(wakeUps);
  }
}

/**
 * One invocation: lease the shard's pairs (or, without a shard, the running pairs of `userId` or of everyone, at most
 * one shard), serve them within the wall-clock budget, then release them. Every rule that decides whether a pair may
 * send now is checked by claim_next_item in the database; overlapping invocations never work on one pair at once.
 */
export async function runProcessor(deps: ProcessorDeps, options: RunOptions = {}): Promise<RunSummary> {
  const startedAt = deps.clock();
  const deadline = deps.monotonic() + deps.budgetMs;
  const run: RunSummary = {
    workerId: deps.workerId, startedAt: startedAt.toISOString(), finishedAt: '', notLeased: 0, admins: [],
    totals: { claimed: 0, sent: 0, failed: 0, retrying: 0 }, roundTrips: 1, errors: [],
  };
  const leaseSeconds = Math.ceil((deps.budgetMs + (deps.agent?.timeoutMs ?? 10_000)) / 1000) + 30;
  const leased = await deps.service.rpc('lease_processor_pairs', {
    worker_id: deps.workerId,
    pairs: options.pairs,
    lease_seconds: Math.min(3600, leaseSeconds),
    environment: { batch_size: deps.batchSize, processing_delay_ms: deps.processingDelayMs, rate_limit_per_hour: deps.whatsappPerHour },
    for_user: options.userId,
  });
  if (leased.error) throw new Error(`lease failed: ${leased.error.message}`);
  const won: Pair[] = leased.data ?? [];
  run.notLeased = (options.pairs?.length ?? won.length) - won.length;
  const pairs: PairRun[] = won.map((pair) => ({
    summary: { userId: pair.user_id, clientId: pair.client_id, claimed: 0, sent: 0, failed: 0, retrying: 0, lost: 0 },
    readyAt: 0,
    busy: false,
    done: false,
  }));

  try {
    await serve(deps, run, pairs, deadline);
  } finally {
    if (won.length > 0) {
      run.roundTrips += 1;
      const released = await deps.service.rpc('release_processor_pairs', { worker_id: deps.workerId, pairs: won });
      if (released.error) run.errors.push(`release: ${released.error.message}`);
    }
  }

  run.admins = pairs.map((pair) => pair.summary);
  for (const admin of run.admins) {
    run.totals.claimed += admin.claimed;
    run.totals.sent += admin.sent;
    run.totals.failed += admin.failed;
    run.totals.retrying += admin.retrying;
  }
  run.finishedAt = deps.clock().toISOString();
  return run;
}
