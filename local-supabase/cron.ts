/**
 * The pg_cron stand-in. A job is what `cron.schedule(name, schedule, command)` runs on hosted Supabase:
 * either a call of an Edge Function (`net.http_post(…/functions/v1/<fn>)` with the service role key:
 * `{functionName}`) or a SQL command run in the database as its owner (`{sql}`, e.g.
 * `select public.purge_expired_queue_items()`). A run still in flight when the next tick comes makes
 * that tick a no-op, so runs of one job never overlap.
 */
import pg from 'pg';

interface CronCommon {
  intervalMs: number;
  /** Per-call timeout; pg_net's default is 5 s, a processor may need longer. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export type CronOptions = CronCommon &
  (
    | { functionName: string; /** Gateway base URL. */ url: string; serviceRoleKey: string; sql?: undefined }
    | { sql: string; /** A superuser (job owner) URL of the database. */ databaseUrl: string; functionName?: undefined }
  );

export interface CronRun {
  startedAt: number;
  finishedAt: number;
  /** HTTP status of a function job; null for SQL jobs and failed calls. */
  status: number | null;
  /** A SQL job's first column of its first row. */
  result?: unknown;
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
  const timeoutMs = options.timeoutMs ?? 120_000;
  const name = options.sql === undefined ? options.functionName : options.sql;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function callFunction(record: CronRun, target: { url: string; serviceRoleKey: string; functionName: string }) {
    const response = await fetch(`${target.url}/functions/v1/${target.functionName}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.serviceRoleKey}` },
      body: JSON.stringify({ trigger: 'cron' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    record.status = response.status;
    const text = await response.text();
    log(`[cron] ${name} answered ${response.status}: ${text.slice(0, 300)}`);
  }

  async function runSql(record: CronRun, databaseUrl: string, sql: string) {
    const client = new pg.Client({ connectionString: databaseUrl, statement_timeout: timeoutMs });
    await client.connect();
    try {
      const { rows, fields } = await client.query(sql);
      const first = fields[0]?.name;
      record.result = first === undefined ? null : (rows[0]?.[first] ?? null);
      log(`[cron] ${name}: ${JSON.stringify(record.result)?.slice(0, 300)}`);
    } finally {
      await client.end();
    }
  }

  async function run(): Promise<void> {
    const startedAt = Date.now();
    const record: CronRun = { startedAt, finishedAt: startedAt, status: null, error: null };
    try {
      if (options.sql === undefined) await callFunction(record, options);
      else await runSql(record, options.databaseUrl, options.sql);
    } catch (error) {
      record.error = (error as Error).message;
      log(`[cron] ${name} failed: ${record.error}`);
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
