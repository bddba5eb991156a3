/** Shared bench plumbing: the result model, timing, percentiles and connections that act like PostgREST. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { startTestStack } from '@leads-queue/local-supabase/testing';
import { claimsFor } from '../tests/support/roles.ts';

export { withClient } from '@leads-queue/local-supabase';

export type Cell = string | number | null;

/** One suite's outcome: rows of a table plus free-form notes (findings, skips). */
export interface SuiteResult {
  name: string;
  /** The key `--only` names it by (absent in results written before keys were recorded). */
  suite?: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  columns: string[];
  rows: Cell[][];
  notes: string[];
  /** Budget verdicts: label -> met / missed / not measured. */
  budgets: { label: string; value: string; met: boolean | null }[];
  /** Evidence for the Markdown note (EXPLAIN excerpts), shown folded. */
  details?: { title: string; body: string }[];
  data?: unknown;
}

export function emptyResult(name: string, columns: string[]): SuiteResult {
  return { name, status: 'ok', columns, rows: [], notes: [], budgets: [] };
}

export function skipped(name: string, reason: string): SuiteResult {
  return { name, status: 'skipped', reason, columns: [], rows: [], notes: [], budgets: [] };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

export async function timeIt<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Runs `work` `warmup + runs` times one after another, returns the timed latencies (ms). */
export async function sample(runs: number, warmup: number, work: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await work();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    out.push(performance.now() - start);
  }
  return out;
}

export type Role = 'service_role' | { id: string; email?: string };

export const claims: (role: Role) => Record<string, unknown> = claimsFor;

/**
 * A connection that stays in the given role with the caller's JWT claims for its whole life
 * (PostgREST sets the same per transaction; session-level saves a round trip per call).
 */
export async function connectAs(url: string, role: Role): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const c = claims(role);
  await client.query(
    `select set_config('role', $1, false), set_config('request.jwt.claims', $2, false), set_config('search_path', 'public, extensions', false)`,
    [String(c.role), JSON.stringify(c)],
  );
  return client;
}

export const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);

export interface BenchContext {
  quick: boolean;
  /** Superuser URL of the bench server's `postgres` database. */
  serverUrl: string;
  log: (line: string) => void;
}

export interface ProfileStack {
  /** The profile database's superuser URL. */
  url: string;
  stack: Awaited<ReturnType<typeof startTestStack>>;
  db: pg.Client;
  stop: () => Promise<void>;
}

/**
 * The profile scripts' stack: a durable embedded PostgreSQL in a temporary directory (restarted once after `configure`
 * when given, for settings that need a restart such as shared_preload_libraries), a fresh database with the
 * migrations, and the local Supabase with the functions, the Agent DB stand-in and pg_net, at the processor's own budget.
 */
export async function startProfileStack(name: string, options: {
  configure?: (db: pg.Client) => Promise<void>;
  log?: (line: string) => void;
  /** The Agent DB stand-in keeps connections open, as a hosted endpoint does (default); false: one per webhook. */
  keepAlive?: boolean;
} = {}): Promise<ProfileStack> {
  const { databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres, withClient } = await import('@leads-queue/local-supabase');
  const testing = await import('@leads-queue/local-supabase/testing');
  const dir = await mkdtemp(path.join(os.tmpdir(), `lq-${name}-`));
  const dataDir = path.join(dir, 'data');
  const log = options.log ?? (() => {});
  let server = await startEmbeddedPostgres({ dataDir, log });
  if (options.configure) {
    await withClient(server.url, options.configure);
    await server.stop();
    server = await startEmbeddedPostgres({ dataDir, port: server.port, log });
  }
  const url = databaseUrl(server.url, name.replaceAll('-', '_'));
  await recreateDatabase(server.url, name.replaceAll('-', '_'));
  await resetDatabase(url);
  const stack = await testing.startTestStack({ databaseUrl: url, functions: true, eagerFunctions: true,
    sink: { keepAlive: options.keepAlive ?? true }, pgNet: true,
    env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '1000000' } });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return {
    url, stack, db,
    stop: async () => {
      await db.end();
      await stack.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The statements of one call that took 1 ms or more, as auto_explain logs them (analyze, buffers, nested), run as the
 * user `userId` after a warm-up call: a function's own plan is opaque.
 */
export async function nestedPlans(url: string, userId: string, text: string, values: unknown[]): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const plans: string[] = [];
    // auto_explain's settings are the superuser's to set, before the connection takes the caller's role.
    await db.query(`load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on;
                    set auto_explain.log_analyze = on; set auto_explain.log_buffers = on; set auto_explain.log_timing = on`);
    await db.query(`select set_config('role', 'authenticated', false), set_config('request.jwt.claims', $1, false)`, [JSON.stringify({ sub: userId, role: 'authenticated' })]);
    await db.query(text, values);
    db.on('notice', (notice) => {
      const message = String(notice.message);
      if (Number(/^duration: ([\d.]+) ms/.exec(message)?.[1] ?? 0) >= 1) plans.push(message);
    });
    await db.query('set client_min_messages = log');
    await db.query(text, values);
    await db.query('reset client_min_messages');
    return plans.join('\n\n');
  } finally {
    await db.end();
  }
}

/** Bench suite 3's fixture (bench/dashboard-data.sql): client 0, its admin0 and its manager. */
export const BENCH_CLIENT0 = '00000000-0000-4000-9000-000000000000';
export const BENCH_ACTORS = {
  admin: { id: '00000000-0000-4000-a000-000000000000', email: 'admin0@bench.test' },
  manager: { id: '00000000-0000-4000-b000-000000000000', email: 'manager0@bench.test' },
} as const;

/** The load average (1, 5, 15 min) as "a b c". */
export const loadAverage = (): string => os.loadavg().map((value) => value.toFixed(2)).join(' ');

/**
 * The CPU a connection's backend has used so far, in ms (utime + stime of its process, Linux): steadier than the wall
 * clock on a shared machine. Read it before and after a call.
 */
export async function backendCpu(db: pg.Client): Promise<() => number> {
  const pid = (await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  return () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
}
