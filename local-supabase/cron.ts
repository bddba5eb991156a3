/**
 * The pg_cron + pg_net stand-in: POSTs `{trigger:'cron'}` to queue-processor with the service
 * role key, as the cron migration does on hosted Supabase. A run still in flight when the next
 * tick comes makes that tick a no-op, so runs never overlap. Like the migration's queue-purge job
 * it also runs the retention purge (purge_expired_queue_items: old finished items, audit rows past
 * their client's retention, old callback receipts), daily unless told otherwise.
 */

export interface CronOptions {
  /** Gateway base URL. */
  url: string;
  serviceRoleKey: string;
  intervalMs: number;
  functionName?: string;
  /** Per-call timeout; pg_net's default is 5 s, the processor may need longer. */
  timeoutMs?: number;
  /** ms between retention purges (pg_cron: daily); 0 = off. */
  purgeIntervalMs?: number;
  log?: (line: string) => void;
}

export interface CronRun {
  startedAt: number;
  finishedAt: number;
  status: number | null;
  error: string | null;
}

export interface Cron {
  runs: CronRun[];
  /** Ticks that found the previous run still going. */
  skipped: number;
  /** One run now (also what each tick does); resolves when it is done, or at once when one is running. */
  tick(): Promise<void>;
  /** Every retention purge so far: what it removed, or why it failed. */
  purges: Array<{ at: number; status: number | null; removed: unknown; error: string | null }>;
  /** One purge now (also what each purge tick does). */
  purge(): Promise<void>;
  stop(): Promise<void>;
}

export function startCron(options: CronOptions): Cron {
  const log = options.log ?? (() => {});
  const target = `${options.url}/functions/v1/${options.functionName ?? 'queue-processor'}`;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function run(): Promise<void> {
    const startedAt = Date.now();
    const record: CronRun = { startedAt, finishedAt: startedAt, status: null, error: null };
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.serviceRoleKey}` },
        body: JSON.stringify({ trigger: 'cron' }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
      record.status = response.status;
      const text = await response.text();
      log(`[cron] queue-processor answered ${response.status}: ${text.slice(0, 300)}`);
    } catch (error) {
      record.error = (error as Error).message;
      log(`[cron] queue-processor call failed: ${record.error}`);
    } finally {
      record.finishedAt = Date.now();
      cron.runs.push(record);
      if (cron.runs.length > 1000) cron.runs.shift();
    }
  }

  async function purge(): Promise<void> {
    const record: Cron['purges'][number] = { at: Date.now(), status: null, removed: null, error: null };
    try {
      const response = await fetch(`${options.url}/rest/v1/rpc/purge_expired_queue_items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', apikey: options.serviceRoleKey, authorization: `Bearer ${options.serviceRoleKey}` },
        body: '{}',
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
      record.status = response.status;
      record.removed = await response.json().catch(() => null);
      log(`[cron] retention purge answered ${response.status}: ${JSON.stringify(record.removed)}`);
    } catch (error) {
      record.error = (error as Error).message;
      log(`[cron] retention purge failed: ${record.error}`);
    } finally {
      cron.purges.push(record);
      if (cron.purges.length > 100) cron.purges.shift();
    }
  }

  const cron: Cron = {
    runs: [],
    skipped: 0,
    purges: [],
    purge,
    tick() {
      if (stopped) return Promise.resolve();
      if (running) {
        cron.skipped += 1;
        return Promise.resolve();
      }
      running = run().finally(() => {
        running = null;
      });
      return running;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (purgeTimer) clearInterval(purgeTimer);
      await running;
    },
  };
  const timer = options.intervalMs > 0 ? setInterval(() => void cron.tick(), options.intervalMs) : null;
  const purgeEvery = options.purgeIntervalMs ?? 24 * 3600 * 1000;
  const purgeTimer = purgeEvery > 0 ? setInterval(() => void (stopped ? undefined : purge()), purgeEvery) : null;
  return cron;
}
