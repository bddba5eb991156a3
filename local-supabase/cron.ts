/**
 * The pg_cron + pg_net stand-in: POSTs `{trigger:'cron'}` to an Edge Function with the service
 * role key, as a `cron.schedule(… net.http_post(…))` job does on hosted Supabase. A run still in
 * flight when the next tick comes makes that tick a no-op, so runs never overlap.
 */

export interface CronOptions {
  /** Gateway base URL. */
  url: string;
  serviceRoleKey: string;
  intervalMs: number;
  functionName: string;
  /** Per-call timeout; pg_net's default is 5 s, the processor may need longer. */
  timeoutMs?: number;
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
  stop(): Promise<void>;
}

export function startCron(options: CronOptions): Cron {
  const log = options.log ?? (() => {});
  const target = `${options.url}/functions/v1/${options.functionName}`;
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
      log(`[cron] ${options.functionName} answered ${response.status}: ${text.slice(0, 300)}`);
    } catch (error) {
      record.error = (error as Error).message;
      log(`[cron] ${options.functionName} call failed: ${record.error}`);
    } finally {
      record.finishedAt = Date.now();
      cron.runs.push(record);
      if (cron.runs.length > 1000) cron.runs.shift();
    }
  }

  const cron: Cron = {
    runs: [],
    skipped: 0,
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
      await running;
    },
  };
  const timer = options.intervalMs > 0 ? setInterval(() => void cron.tick(), options.intervalMs) : null;
  return cron;
}
