/** Shared bench plumbing: the result model, timing, percentiles and connections that act like PostgREST. */
import pg from 'pg';
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
