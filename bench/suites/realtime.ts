/**
 * Suite 4 — realtime fan-out: drives bench/realtime-fanout.ts (the realtime helper's harness) against
 * a database of the bench server: 50 subscribers, 100 changes/s, 30 s (5 s in quick mode).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyBootstrap, databaseUrl, recreateDatabase } from '@leads-queue/local-supabase';
import { emptyResult, fmt, skipped, type BenchContext, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

export async function realtimeSuite(ctx: BenchContext): Promise<SuiteResult> {
  const name = '4. Realtime fan-out';
  if (!(await exists(path.join(ROOT, 'bench', 'realtime-fanout.ts')))) return skipped(name, 'bench/realtime-fanout.ts is missing');
  const { runFanout } = await import('../realtime-fanout.ts');
  const { startRealtimeTestServer } = await import('@leads-queue/local-supabase/testing');
  const subscribers = 50;
  const changesPerSecond = 100;
  const seconds = ctx.quick ? 5 : 30;
  const url = databaseUrl(ctx.serverUrl, 'bench_realtime');
  await recreateDatabase(ctx.serverUrl, 'bench_realtime');
  await applyBootstrap(url);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  const server = await startRealtimeTestServer(url);
  try {
    const r = await runFanout({ server, pool, subscribers, users: 5, changesPerSecond, seconds });
    const result = emptyResult(name, ['subscribers', 'changes/s', 'seconds', 'delivered', 'lost', 'out of order', 'p50 ms', 'p95 ms', 'max ms']);
    result.rows.push([subscribers, changesPerSecond, seconds, `${r.received}/${r.expected}`, r.lost, r.outOfOrder, fmt(r.p50Ms, 1), fmt(r.p95Ms, 1), fmt(r.maxMs, 1)]);
    result.budgets.push({ label: 'realtime p95 < 200 ms at 100 changes/s, 50 subscribers', value: `${fmt(r.p95Ms, 1)} ms`, met: r.p95Ms < 200 });
    result.budgets.push({ label: 'no change lost', value: `${r.lost} lost`, met: r.lost === 0 });
    result.notes.push(
      'bench/realtime-fanout.ts (runFanout): subscribers spread over 5 users, RLS on, inserts at a steady rate from one connection; latency = insert issued → supabase-js callback. Durable server (fsync on).',
    );
    result.data = r;
    return result;
  } finally {
    await server.close();
    await pool.end();
  }
}
