import { triggerAgent, type AgentConfig, type WebhookOutcome } from '../_shared/agentWebhook.ts';
import type { Database } from '../_shared/database.ts';
import { RpcError, type RpcCaller } from '../_shared/restRpc.ts';

export interface ProcessorDeps {
  /** PostgREST RPC as the service role (plain fetch: the hot loop's CPU). */
  rpc: RpcCaller;
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
  /** Wall-clock cap of one invocation: its claims, then the sends still in flight (each at most the request timeout). */
  budgetMs: number;
  /** How long one invocation claims (within budgetMs less one request timeout): the cron interval less a margin, so
   * a pair keeps its pace for the whole minute and the next tick's invocation finds its lease ended. */
  claimWindowMs: number;
  whatsappPerHour: number;
}

export type Pair = { user_id: string; client_id: string };

export interface RunOptions {
  /** The dispatcher's shard. */
  pairs?: Pair[];
  /** Only this admin's running pairs (queue-leads' trigger for immediate items). */
  userId?: string;
  /** The dispatcher's tick (wall clock): claims end a claim window after it, not after this call began. */
  dispatchedAt?: Date;
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

/** How long finished POSTs and ready pairs wait for the POSTs still in flight before a step goes without them (ms). */
const COALESCE_MS = 15;
/**
 * Sends that answered while every pair waits out its processing delay settle with the step that takes the pairs' next
 * items, when that comes within this long: one queue statement (and one run of its triggers) for both instead of two.
 */
const SETTLE_HOLD_MS = 3000;

interface Claim {
  user_id: string;
  client_id: string;
  item?: QueueItem;
  reason?: SkipReason | 'paced';
  wait_ms?: number;
  error?: string;
}

interface PairRun {
  summary: AdminSummary;
  /** monotonic() before which the pair's next claim would be refused as paced. */
  readyAt: number;
  busy: boolean;
  done: boolean;
}

/** A POST that finished, waiting for the next step to record it (processor_step's outcome). */
interface Outcome {
  item_id: string;
  client_id: string;
  kind: WebhookOutcome['kind'];
  trigger_id?: string | null;
  message?: string;
  code?: string;
  retry_after_seconds?: number | null;
  pause_until?: string;
}

interface StepResult {
  settled: { item_id: string; status?: string; error?: string }[];
  claims: Claim[];
}

function finish(pair: PairRun, reason: SkipReason): void {
  pair.done = true;
  if (pair.summary.claimed === 0) pair.summary.skipped = reason;
}

/** The POST of one claimed item; its outcome is recorded by the invocation's next step. */
async function send(deps: ProcessorDeps, item: QueueItem, now: Date, timeout: AbortSignal | undefined): Promise<Outcome> {
  const outcome: WebhookOutcome = deps.agent
    ? await triggerAgent(deps.agent, item, now, timeout)
    : { kind: 'retryable', status: null, code: 'not_configured', message: 'AGENT_DB_WEBHOOK_URL is not set', retryAfterSeconds: 300 };
  if (outcome.kind === 'sent') return { item_id: item.id, client_id: item.client_id, kind: 'sent', trigger_id: outcome.triggerId };
  const retryAfter = outcome.kind === 'retryable' ? (outcome.retryAfterSeconds ?? null) : null;
  const pauses = outcome.kind === 'retryable' && (outcome.status === 429 || outcome.status === 503);
  return {
    item_id: item.id, client_id: item.client_id, kind: outcome.kind, message: outcome.message, code: outcome.code, retry_after_seconds: retryAfter,
    ...(pauses ? { pause_until: new Date(deps.clock().getTime() + (retryAfter ?? 60) * 1000).toISOString() } : {}),
  };
}

/** One processor_step round trip; a deadlock or serialization failure rolled it all back, so it is tried again. */
async function step(deps: ProcessorDeps, run: RunSummary, outcomes: Outcome[], pairs: PairRun[], leaseSeconds: number): Promise<StepResult> {
  const args = {
    worker_id: deps.workerId,
    outcomes,
    claims: pairs.map((pair) => ({ user_id: pair.summary.userId, client_id: pair.summary.clientId })),
    at: deps.clock().toISOString(),
    lease_seconds: leaseSeconds,
  };
  for (let attempt = 1; ; attempt += 1) {
    run.roundTrips += 1;
    try {
      return await deps.rpc<StepResult>('processor_step', args);
    } catch (failure) {
      if (attempt >= 3 || !(failure instanceof RpcError) || !['40P01', '40001'].includes(failure.code)) throw failure;
    }
  }
}

function record(summary: AdminSummary, settled: StepResult['settled'][number] | undefined): void {
  if (!settled || settled.error) summary.lost += 1;
  else if (settled.status === 'sent') summary.sent += 1;
  else if (settled.status === 'failed') summary.failed += 1;
  else summary.retrying += 1;
}

/**
 * The invocation's pairs, served in steps: each step records the POSTs that finished and claims the next item of every
 * pair whose pacing allows, in the lease's order (least recently served first), in one round trip. One step at a time;
 * POSTs run concurrently; a pair never has two items in flight.
 */
async function serve(deps: ProcessorDeps, run: RunSummary, pairs: PairRun[], claimsEnd: number): Promise<void> {
  const timeoutMs = deps.agent?.timeoutMs ?? 10_000;
  const itemLeaseSeconds = Math.ceil(timeoutMs / 1000) + 30;
  const inFlight = new Set<Promise<void>>();
  const finished: { outcome: Outcome; pair: PairRun }[] = [];
  const byKey = new Map(pairs.map((pair) => [`${pair.summary.userId}:${pair.summary.clientId}`, pair]));
  // Budgets and pauses are the client's: once one pair of a client is refused for them, its other pairs wait for the
  // next tick too, where the least recently served go first (no pair of the client takes a token in between).
  const stoppedClients = new Map<string, SkipReason>();
  // Work that arrives while POSTs are in flight waits up to COALESCE_MS for them, so one step carries many sends.
  let waitingSince: number | null = null;
  // One wake-up for the loop, called by whichever POST finishes first (a race over every POST in flight would attach
  // a reaction to each of them on every turn).
  let wake: (() => void) | null = null;
  const notify = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  for (;;) {
    const ready: PairRun[] = [];
    for (const pair of pairs) {
      if (pair.done || pair.busy || pair.readyAt > deps.monotonic()) continue;
      const clientStop = stoppedClients.get(pair.summary.clientId);
      if (clientStop) finish(pair, clientStop);
      else if (deps.monotonic() > claimsEnd) finish(pair, 'budget_exhausted');
      else ready.push(pair);
    }
    const nextClaim = Math.min(...pairs.filter((pair) => !pair.done && !pair.busy).map((pair) => pair.readyAt));
    const holding = ready.length === 0 && nextClaim <= claimsEnd && nextClaim - deps.monotonic() <= SETTLE_HOLD_MS;
    const hasWork = ready.length > 0 || (finished.length > 0 && !holding);
    if (hasWork && waitingSince === null) waitingSince = deps.monotonic();
    const coalesceLeft = waitingSince === null ? 0 : COALESCE_MS - (deps.monotonic() - waitingSince);
    if (hasWork && (inFlight.size === 0 || coalesceLeft <= 0)) {
      waitingSince = null;
      const settling = finished.splice(0);
      for (const pair of ready) pair.busy = true;
      let result: StepResult;
      try {
        result = await step(deps, run, settling.map((entry) => entry.outcome), ready, itemLeaseSeconds);
      } catch (failure) {
        run.errors.push(`step: ${failure instanceof Error ? failure.message : String(failure)}`);
        for (const entry of settling) entry.pair.summary.lost += 1;
        for (const pair of ready) {
          pair.busy = false;
          pair.done = true;
        }
        continue;
      }
      const settled = new Map(result.settled.map((entry) => [entry.item_id, entry]));
      for (const entry of settling) record(entry.pair.summary, settled.get(entry.outcome.item_id));
      // The step's sends start together: one clock reading and one timeout signal for all of them.
      const now = deps.wallClock();
      let timeout: AbortSignal | undefined;
      for (const claim of result.claims) {
        const pair = byKey.get(`${claim.user_id}:${claim.client_id}`);
        if (!pair) continue;
        pair.busy = false;
        if (claim.error) {
          run.errors.push(`claim for ${claim.user_id} (client ${claim.client_id}): ${claim.error}`);
          pair.done = true;
        } else if (claim.item) {
          const item = claim.item;
          pair.summary.claimed += 1;
          pair.busy = true;
          pair.readyAt = deps.monotonic() + (claim.wait_ms ?? 0);
          // The next turn falls after this invocation's claims: it is the next tick's invocation's.
          if (pair.readyAt > claimsEnd) pair.done = true;
          if (deps.agent && !timeout) timeout = AbortSignal.timeout(deps.agent.timeoutMs);
          const sending: Promise<void> = send(deps, item, now, timeout)
            .then((outcome) => void finished.push({ outcome, pair }))
            .catch((failure: unknown) => {
              pair.summary.lost += 1;
              run.errors.push(`send ${item.id}: ${failure instanceof Error ? failure.message : String(failure)}`);
            })
            .finally(() => {
              pair.busy = false;
              inFlight.delete(sending);
              notify();
            });
          inFlight.add(sending);
        } else if (claim.reason === 'paced') {
          pair.readyAt = deps.monotonic() + Math.max(1, claim.wait_ms ?? 1);
          if (pair.readyAt > claimsEnd) finish(pair, 'budget_exhausted');
        } else {
          const reason = claim.reason ?? 'no_due_items';
          if (reason === 'rate_limited' || reason === 'client_paused') stoppedClients.set(pair.summary.clientId, reason);
          finish(pair, reason);
        }
      }
      continue;
    }
    if (!hasWork && inFlight.size === 0 && pairs.every((pair) => pair.done)) return;
    const waiting = pairs.filter((pair) => !pair.done && !pair.busy);
    const nextReady = hasWork
      ? coalesceLeft
      : waiting.length ? Math.min(...waiting.map((pair) => pair.readyAt)) - deps.monotonic() : Number.POSITIVE_INFINITY;
    if (nextReady <= 0) continue;
    if (inFlight.size === 0 && !Number.isFinite(nextReady)) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (Number.isFinite(nextReady)) void deps.sleep(nextReady).then(() => wake === resolve && notify());
    });
  }
}

/**
 * One invocation: lease the shard's pairs (or, without a shard, the running pairs of `userId` or of everyone, at most
 * one shard), serve them within the wall-clock budget, then release them. Every rule that decides whether a pair may
 * send now is checked by claim_next_item in the database; overlapping invocations never work on one pair at once.
 */
export async function runProcessor(deps: ProcessorDeps, options: RunOptions = {}): Promise<RunSummary> {
  const startedAt = deps.clock();
  // A call that reached us late (a loaded pg_net queue, a cold start) claims only for what is left of its tick's window:
  // its leases then end before the next tick, which would otherwise find the pairs held and skip them for a minute.
  const lateMs = options.dispatchedAt ? Math.max(0, deps.wallClock().getTime() - options.dispatchedAt.getTime()) : 0;
  // Every send claimed by then can finish (its request timeout) within the budget.
  const claimMs = Math.max(0, Math.min(deps.claimWindowMs - lateMs, deps.budgetMs - (deps.agent?.timeoutMs ?? 10_000)));
  const claimsEnd = deps.monotonic() + claimMs;
  const run: RunSummary = {
    workerId: deps.workerId, startedAt: startedAt.toISOString(), finishedAt: '', notLeased: 0, admins: [],
    totals: { claimed: 0, sent: 0, failed: 0, retrying: 0 }, roundTrips: 1, errors: [],
  };
  // The pairs' lease ends with the claims (rounded down): the next invocation may take a pair then, while this one's
  // last sends settle under their items' own leases.
  const leaseSeconds = Math.max(1, Math.floor(claimMs / 1000));
  let won: Pair[];
  try {
    won = await deps.rpc<Pair[]>('lease_processor_pairs', {
      worker_id: deps.workerId,
      pairs: options.pairs,
      lease_seconds: Math.min(3600, leaseSeconds),
      environment: { batch_size: deps.batchSize, processing_delay_ms: deps.processingDelayMs, rate_limit_per_hour: deps.whatsappPerHour },
      for_user: options.userId,
    });
  } catch (failure) {
    throw new Error(`lease failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
  run.notLeased = (options.pairs?.length ?? won.length) - won.length;
  const pairs: PairRun[] = won.map((pair) => ({
    summary: { userId: pair.user_id, clientId: pair.client_id, claimed: 0, sent: 0, failed: 0, retrying: 0, lost: 0 },
    readyAt: 0,
    busy: false,
    done: false,
  }));

  try {
    await serve(deps, run, pairs, claimsEnd);
  } finally {
    if (won.length > 0) {
      run.roundTrips += 1;
      try {
        await deps.rpc('release_processor_pairs', { worker_id: deps.workerId, pairs: won });
      } catch (failure) {
        run.errors.push(`release: ${failure instanceof Error ? failure.message : String(failure)}`);
      }
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
