/**
 * Suite 1 — engine throughput: N no-op jobs enqueued, then claimed and completed by W concurrent
 * workers, through our SQL API, pg-boss and graphile-worker (each in its own database of the same
 * server), plus the floor: plain single-row UPDATEs with W connections. Engines run interleaved per
 * cell, in rotating order, so drift on a shared machine hits all alike.
 */
import { run as runGraphile, runMigrations as graphileMigrations, type Logger as GraphileLogger } from 'graphile-worker';
import { Logger as GLogger } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { databaseUrl, recreateDatabase, resetDatabase } from '@leads-queue/local-supabase';
import { connectAs, emptyResult, fmt, round, withClient, type BenchContext, type SuiteResult } from '../lib.ts';

const DEMO_CLIENT = '11111111-1111-4111-8111-111111111111';
const DEMO_ADMIN = { id: 'a0000000-0000-4000-8000-000000000001', email: 'test@test.test' };
const OPEN_ALL_WEEK = Object.fromEntries(
  ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((day) => [day, { enabled: true, start: '00:00', end: '24:00' }]),
);

interface Drain {
  enqueueMs: number;
  drainMs: number;
  jobsPerSecond: number;
  /** WAL written during the drain, per job (server-wide; the engines run one at a time). */
  walBytesPerJob: number;
}

async function walLsn(url: string): Promise<bigint> {
  const { rows } = await withClient(url, (db) => db.query<{ b: string }>(`select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint::text as b`));
  return BigInt(rows[0]!.b);
}

/**
 * WAL between two positions by record type (pg_walinspect, where the server has it), bytes per job,
 * largest first. WAL is server-wide; the engines run one at a time, so a round's range is its own.
 */
async function walBreakdown(url: string, from: bigint, to: bigint, jobs: number): Promise<string | null> {
  return withClient(url, async (db) => {
    const available = await db.query(`select 1 from pg_available_extensions where name = 'pg_walinspect'`);
    if (available.rowCount === 0) return null;
    await db.query('create extension if not exists pg_walinspect');
    const { rows } = await db.query<{ kind: string; bytes: string }>(
      `select s."resource_manager/record_type" as kind, s.combined_size::text as bytes
         from pg_get_wal_stats('0/0'::pg_lsn + $1::numeric, '0/0'::pg_lsn + $2::numeric, true) s
        where s.count > 0 order by s.combined_size desc limit 6`,
      [from.toString(), to.toString()],
    );
    return rows.map((r) => `${r.kind} ${Math.round(Number(r.bytes) / jobs)}`).join(', ');
  });
}

/** Samples what the database's other active backends wait on, until stopped. */
function sampleWaits(url: string, into: Record<string, number>): () => Promise<void> {
  let running = true;
  const done = withClient(url, async (db) => {
    while (running) {
      const { rows } = await db.query<{ w: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as w from pg_stat_activity
          where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`,
      );
      for (const { w } of rows) into[w] = (into[w] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
  return async () => {
    running = false;
    await done;
  };
}

/** "WALWrite 62 %, CPU 20 %, …" over the top three. */
function topWaits(waits: Record<string, number>): string {
  const total = Object.values(waits).reduce((a, b) => a + b, 0);
  if (total === 0) return 'no samples';
  return Object.entries(waits)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([w, n]) => `${w.replace(/^LWLock:|^IO:/, '')} ${Math.round((100 * n) / total)} %`)
    .join(', ');
}

const quietLogger: GraphileLogger = new GLogger(() => () => {});

/**
 * Our engine: enqueue_leads as the Demo admin, then W service-role workers drain it.
 * Paced path (as the processor runs it): claim -> queued, then start + complete per item.
 * Fast path (callers that send at once): claim with start_now -> processing, then complete_queue_item,
 * or complete_queue_items for a batch.
 */
interface CallTimes {
  claim: { ms: number; count: number };
  start: { ms: number; count: number };
  complete: { ms: number; count: number };
}

export class Ours {
  calls: CallTimes = { claim: { ms: 0, count: 0 }, start: { ms: 0, count: 0 }, complete: { ms: 0, count: 0 } };
  /** Wait events of the workers' backends, sampled during the rounds since resetCalls(). */
  waits: Record<string, number> = {};
  /** The last round's WAL by record type (bytes per job), when pg_walinspect is available. */
  walByKind: string | null = null;
  constructor(private readonly url: string, private readonly n: number, private readonly fast = false) {}

  resetCalls(): void {
    this.calls = { claim: { ms: 0, count: 0 }, start: { ms: 0, count: 0 }, complete: { ms: 0, count: 0 } };
    this.waits = {};
  }

  async setup(): Promise<void> {
    await withClient(this.url, async (db) => {
      // Open all week and no operation limit: enqueue_leads keeps the window and the limit itself.
      await db.query(
        `update public.user_queue_settings set max_capacity = 100000, daily_target = 100000, processing_state = 'running',
           business_hours = $2, holiday_calendar = 'none', closed_dates = '{}' where user_id = $1`,
        [DEMO_ADMIN.id, JSON.stringify(OPEN_ALL_WEEK)],
      );
      await db.query('update private.queue_limits set operations_per_hour = 1000000');
      await db.query(
        `insert into public.leads (client_id, name, phone)
         select $1, 'Bench lead ' || i, '+97250' || lpad(i::text, 7, '0') from generate_series(1, $2) i`,
        [DEMO_CLIENT, this.n],
      );
      await db.query('analyze');
    });
  }

  async round(workers: number, batch: number): Promise<Drain> {
    // Each round starts from the same empty queue (sent items of earlier rounds would count against capacity).
    await withClient(this.url, (db) => db.query('truncate public.whatsapp_message_queue, public.queue_audit_log, public.queue_performance_metrics'));
    const admin = await connectAs(this.url, DEMO_ADMIN);
    let enqueueMs: number;
    try {
      const ids = (await admin.query<{ id: string }>('select id from public.leads where client_id = $1 and name like $3 order by id limit $2', [DEMO_CLIENT, this.n, 'Bench lead %'])).rows.map((r) => r.id);
      const start = performance.now();
      for (let i = 0; i < ids.length; i += 1000) {
        const { rows } = await admin.query<{ r: { queued?: number } }>('select public.enqueue_leads($1::uuid[]) as r', [ids.slice(i, i + 1000)]);
        if (rows[0]?.r.queued !== Math.min(1000, ids.length - i)) throw new Error(`enqueue_leads answered ${JSON.stringify(rows[0]?.r)}`);
      }
      enqueueMs = performance.now() - start;
    } finally {
      await admin.end();
    }
    await withClient(this.url, (db) => db.query('analyze public.whatsapp_message_queue'));
    const clients = await Promise.all(Array.from({ length: workers }, () => connectAs(this.url, 'service_role')));
    let done = 0;
    const wal0 = await walLsn(this.url);
    const stopSampling = sampleWaits(this.url, this.waits);
    const start = performance.now();
    try {
      await Promise.all(
        clients.map(async (client, w) => {
          const worker = `bench-${w}`;
          const timed = async <T extends pg.QueryResultRow>(kind: keyof CallTimes, query: pg.QueryConfig): Promise<pg.QueryResult<T>> => {
            const t0 = performance.now();
            const res = await client.query<T>(query);
            this.calls[kind].ms += performance.now() - t0;
            this.calls[kind].count++;
            return res;
          };
          while (done < this.n) {
            const { rows } = await timed<{ id: string }>('claim', {
              name: 'claim',
              text: 'select id from public.claim_queue_batch($1, $2, 300, $3, $4)',
              values: [worker, batch, DEMO_ADMIN.id, this.fast],
            });
            if (rows.length === 0) {
              await new Promise((resolve) => setTimeout(resolve, 1));
              continue;
            }
            if (this.fast && rows.length > 1) {
              const ids = rows.map((r) => r.id);
              await timed('complete', {
                name: 'complete_many',
                text: 'select public.complete_queue_items($1::uuid[], $2, $3::text[])',
                values: [ids, worker, ids.map((id) => `t-${id}`)],
              });
              done += ids.length;
              continue;
            }
            for (const row of rows) {
              if (!this.fast) await timed('start', { name: 'start', text: 'select public.start_queue_item($1, $2)', values: [row.id, worker] });
              await timed('complete', { name: 'complete', text: 'select public.complete_queue_item($1, $2, $3)', values: [row.id, worker, `t-${row.id}`] });
              done++;
            }
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const drainMs = performance.now() - start;
    await stopSampling();
    const wal1 = await walLsn(this.url);
    this.walByKind = await walBreakdown(this.url, wal0, wal1, this.n);
    return { enqueueMs, drainMs, jobsPerSecond: (this.n * 1000) / drainMs, walBytesPerJob: Number(wal1 - wal0) / this.n };
  }
}

/** pg-boss 10: insert N jobs, then W loops of fetch(batch) + complete(ids). */
class Boss {
  private boss: PgBoss | null = null;
  private seq = 0;
  constructor(private readonly url: string, private readonly n: number, private readonly maxWorkers: number) {}

  async setup(): Promise<void> {
    this.boss = new PgBoss({
      connectionString: this.url,
      schema: 'pgboss',
      max: this.maxWorkers + 2,
      supervise: false,
      schedule: false,
    });
    this.boss.on('error', () => {});
    await this.boss.start();
  }

  async round(workers: number, batch: number): Promise<Drain> {
    const boss = this.boss!;
    const name = `bench_${++this.seq}`;
    await boss.createQueue(name);
    const start0 = performance.now();
    const jobs = Array.from({ length: this.n }, (_, i) => ({ name, data: { i } }));
    for (let i = 0; i < jobs.length; i += 5000) await boss.insert(jobs.slice(i, i + 5000));
    const enqueueMs = performance.now() - start0;
    await withClient(this.url, (db) => db.query('analyze pgboss.job'));
    let done = 0;
    const wal0 = await walLsn(this.url);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (done < this.n) {
          const fetched = await boss.fetch(name, { batchSize: batch });
          if (fetched.length === 0) {
            await new Promise((resolve) => setTimeout(resolve, 1));
            continue;
          }
          await boss.complete(name, fetched.map((job) => job.id));
          done += fetched.length;
        }
      }),
    );
    const drainMs = performance.now() - start;
    const wal = Number((await walLsn(this.url)) - wal0) / this.n;
    // Each round has its own queue (own partition in pg-boss 10); deleteQueue fails on PG 18 (RESTRICT FK), so queues stay.
    return { enqueueMs, drainMs, jobsPerSecond: (this.n * 1000) / drainMs, walBytesPerJob: wal };
  }

  async close(): Promise<void> {
    await this.boss?.stop({ graceful: false, wait: true });
  }
}

/** graphile-worker 0.16: add_jobs in one call, then `run` with concurrency W and a no-op task. */
class Graphile {
  constructor(private readonly url: string, private readonly n: number) {}

  async setup(): Promise<void> {
    await graphileMigrations({ connectionString: this.url, logger: quietLogger });
  }

  async round(workers: number): Promise<Drain> {
    const start0 = performance.now();
    await withClient(this.url, (db) =>
      db.query(
        `select graphile_worker.add_jobs(array(
           select row('noop', json_build_object('i', i), null, null, null, null, null, null)::graphile_worker.job_spec
             from generate_series(1, $1) i))`,
        [this.n],
      ),
    );
    const enqueueMs = performance.now() - start0;
    await withClient(this.url, (db) => db.query('analyze graphile_worker._private_jobs'));
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const wal0 = await walLsn(this.url);
    const start = performance.now();
    const runner = await runGraphile({
      connectionString: this.url,
      concurrency: workers,
      maxPoolSize: workers + 2,
      noHandleSignals: true,
      pollInterval: 1000,
      logger: quietLogger,
      taskList: { noop: async () => {} },
    });
    runner.events.on('job:complete', () => {
      if (++done >= this.n) finish();
    });
    await finished;
    const drainMs = performance.now() - start;
    const wal = Number((await walLsn(this.url)) - wal0) / this.n;
    await runner.stop();
    return { enqueueMs, drainMs, jobsPerSecond: (this.n * 1000) / drainMs, walBytesPerJob: wal };
  }
}

/** The physical floor: W connections doing autocommit single-row UPDATEs by primary key. */
async function floor(url: string, n: number, workers: number): Promise<{ jobsPerSecond: number; walBytesPerJob: number }> {
  await withClient(url, async (db) => {
    await db.query('drop table if exists bench_floor; create table bench_floor (id int primary key, n int not null default 0)');
    await db.query('insert into bench_floor (id) select generate_series(1, $1)', [n]);
    await db.query('analyze bench_floor');
  });
  const clients = await Promise.all(Array.from({ length: workers }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  let next = 0;
  const wal0 = await walLsn(url);
  const start = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (next < n) {
          const id = ++next;
          await client.query({ name: 'floor', text: 'update bench_floor set n = n + 1 where id = $1', values: [id] });
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const rate = (n * 1000) / (performance.now() - start);
  return { jobsPerSecond: rate, walBytesPerJob: Number((await walLsn(url)) - wal0) / n };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

export async function engineSuite(ctx: BenchContext): Promise<SuiteResult> {
  const n = ctx.quick ? 300 : 3000;
  const reps = ctx.quick ? 1 : 3;
  const workerCounts = [1, 4, 16];
  const batches = [1, 10];
  const result = emptyResult('1. Engine throughput (claim+complete, jobs/s, median of runs)', [
    'W', 'batch', 'ours, paced', 'ours, fast path', 'pg-boss', 'graphile-worker', 'paced/pg-boss', 'fast/pg-boss', 'paced/graphile', 'fast/graphile', 'UPDATE floor (rows/s)', 'fast/floor',
  ]);
  const names = { paced: 'bench_engine_paced', fast: 'bench_engine_fast', boss: 'bench_engine_pgboss', graphile: 'bench_engine_graphile' };
  for (const name of Object.values(names)) await recreateDatabase(ctx.serverUrl, name);
  const url = (name: string) => databaseUrl(ctx.serverUrl, name);
  await resetDatabase(url(names.paced));
  await resetDatabase(url(names.fast));
  const paced = new Ours(url(names.paced), n);
  const fast = new Ours(url(names.fast), n, true);
  const boss = new Boss(url(names.boss), n, Math.max(...workerCounts));
  const graphile = new Graphile(url(names.graphile), n);
  await paced.setup();
  await fast.setup();
  await boss.setup();
  await graphile.setup();
  const cells: Record<string, unknown>[] = [];
  const callNotes: string[] = [];
  const walNotes: string[] = [];
  const waitNotes: string[] = [];
  const walKindNotes: string[] = [];
  let rotation = 0;
  try {
    for (const workers of workerCounts) {
      let graphileRate = Number.NaN;
      for (const batch of batches) {
        const rates: Record<string, number[]> = { paced: [], fast: [], pgboss: [], graphile: [], floor: [] };
        const wal: Record<string, number> = {};
        paced.resetCalls();
        fast.resetCalls();
        const runs: [string, () => Promise<{ jobsPerSecond: number; walBytesPerJob: number }>][] = [
          ['paced', () => paced.round(workers, batch)],
          ['pgboss', () => boss.round(workers, batch)],
          ['floor', () => floor(url(names.paced), n, workers)],
        ];
        runs.push(['fast', () => fast.round(workers, batch)]);
        // graphile-worker 0.16 has no batched fetch; it runs at batch 1 and that figure serves both rows.
        if (batch === 1) runs.push(['graphile', () => graphile.round(workers)]);
        for (let rep = 0; rep < reps; rep++) {
          for (let i = 0; i < runs.length; i++) {
            const [label, work] = runs[(i + rotation) % runs.length]!;
            const measured = await work();
            rates[label]!.push(measured.jobsPerSecond);
            wal[label] = measured.walBytesPerJob;
            ctx.log(`  engine W=${workers} batch=${batch} ${label}: ${measured.jobsPerSecond.toFixed(0)} /s, ${measured.walBytesPerJob.toFixed(0)} WAL bytes/job`);
          }
          rotation++;
        }
        if (batch === 1) graphileRate = median(rates.graphile!);
        const o = median(rates.paced!);
        const f = median(rates.fast!);
        const b = median(rates.pgboss!);
        const fl = median(rates.floor!);
        const g = graphileRate;
        result.rows.push([
          workers, batch, round(o, 0), round(f, 0), round(b, 0), batch === 1 ? round(g, 0) : `(${fmt(g, 0)})`,
          fmt(o / b, 2), fmt(f / b, 2), fmt(o / g, 2), fmt(f / g, 2), round(fl, 0), fmt(f / fl, 2),
        ]);
        const per = (engine: Ours, k: keyof CallTimes) => (engine.calls[k].count ? engine.calls[k].ms / engine.calls[k].count : Number.NaN);
        callNotes.push(
          `W=${workers} batch=${batch}: paced claim ${fmt(per(paced, 'claim'), 2)} / start ${fmt(per(paced, 'start'), 2)} / complete ${fmt(per(paced, 'complete'), 2)} ms, ` +
            `fast claim ${fmt(per(fast, 'claim'), 2)} / complete ${fmt(per(fast, 'complete'), 2)} ms`,
        );
        waitNotes.push(`W=${workers} batch=${batch}: ${topWaits(fast.waits)}`);
        if (fast.walByKind) walKindNotes.push(`W=${workers} batch=${batch}: ${fast.walByKind}`);
        walNotes.push(`W=${workers} batch=${batch}: ${Object.entries(wal).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
        cells.push({ workers, batch, rates, walBytesPerJob: wal, calls: { paced: paced.calls, fast: fast.calls }, waits: fast.waits, walByKind: fast.walByKind });
        result.budgets.push({ label: `ahead of pg-boss W=${workers} batch=${batch}`, value: `fast ${fmt(f / b, 2)}×, paced ${fmt(o / b, 2)}×`, met: Math.max(o, f) > b });
        if (batch === 1) result.budgets.push({ label: `≥ 0.7× graphile-worker W=${workers} unbatched`, value: `fast ${fmt(f / g, 2)}×, paced ${fmt(o / g, 2)}×`, met: Math.max(o, f) >= 0.7 * g });
      }
    }
  } finally {
    await boss.close();
  }
  result.notes.push(
    `N = ${n} no-op jobs per run, ${reps} run(s) per engine and cell, engines interleaved in rotating order; throughput = N / drain time (enqueue not included). ` +
      'Ours, paced: W service_role connections loop claim_queue_batch(worker, batch, 300, admin) -> queued, then start_queue_item + complete_queue_item per item, as the processor runs it (it waits the processing delay between webhooks, and `queued` is what a waiting item shows meanwhile): 3 commits per item at batch 1. Named prepared statements, triggers + audit on; jobs enqueued with enqueue_leads as the Demo admin (calls of 1,000, its cap).',
    'Ours, fast path: claim_queue_batch(…, start_now => true) -> processing, then complete_queue_item (batch 1) or complete_queue_items (a batch, one statement): 2 commits per claim, like pg-boss (fetch, complete) and graphile-worker (get_job, complete_job). Own database of the same server.',
    'pg-boss 10.4.2 (insert, then fetch {batchSize} + complete(name, ids)); graphile-worker 0.16.6 (add_jobs, then `run` with concurrency W and a no-op task). Same server, own databases.',
    'UPDATE floor: W connections doing autocommit `update … set n = n + 1 where id = $1` (rows/s); a claim + complete cycle is two such commits at best, so floor/2 is the physical limit at batch 1.',
    `Mean latency per call of ours: ${callNotes.join('; ')}.`,
    `WAL bytes per job during the drain (last run): ${walNotes.join('; ')}.`,
    `WAL of the fast path by record type, bytes per job (pg_walinspect, last run): ${walKindNotes.join('; ') || 'pg_walinspect not available'}.`,
    `What the fast path's backends were doing (pg_stat_activity sampled every 25 ms during its runs; CPU = active, no wait event): ${waitNotes.join('; ')}.`,
  );
  result.data = { n, reps, cells };
  return result;
}
