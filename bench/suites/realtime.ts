/**
 * Suite 4 — the live queue on Broadcast: drives bench/realtime-broadcast.ts against a migrated database of the
 * bench server. 100 clients (2 admins and 8 managers each), 100 queue changes/s, first with one member per
 * client connected (100 subscribers), then with all ten (1,000): same members, same changes, ten times the
 * subscribers. 30 s per phase (5 s in quick mode).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { databaseUrl, recreateDatabase, resetDatabase } from '@leads-queue/local-supabase';
import { emptyResult, fmt, skipped, type BenchContext, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

export async function realtimeSuite(ctx: BenchContext): Promise<SuiteResult> {
  const name = '4. Realtime: the live queue on Broadcast';
  if (!(await exists(path.join(ROOT, 'bench', 'realtime-broadcast.ts')))) return skipped(name, 'bench/realtime-broadcast.ts is missing');
  const { createTenants, describeResult, runBroadcastFanout, MEMBERS_PER_CLIENT } = await import('../realtime-broadcast.ts');
  const { startRealtimeTestServer } = await import('@leads-queue/local-supabase/testing');
  const clients = 100;
  const changesPerSecond = 100;
  const seconds = ctx.quick ? 5 : 30;
  const url = databaseUrl(ctx.serverUrl, 'bench_realtime');
  await recreateDatabase(ctx.serverUrl, 'bench_realtime');
  await resetDatabase(url, { seed: false });
  const pool = new pg.Pool({ connectionString: url, max: 12 });
  pool.on('error', () => {});
  const server = await startRealtimeTestServer(url);
  try {
    const tenants = await createTenants(pool, clients);
    const few = await runBroadcastFanout({ server, pool, tenants, perClient: 1, changesPerSecond, seconds });
    ctx.log(`  ${describeResult(few)}`);
    const many = await runBroadcastFanout({ server, pool, tenants, perClient: MEMBERS_PER_CLIENT, changesPerSecond, seconds });
    ctx.log(`  ${describeResult(many)}`);

    const result = emptyResult(name, [
      'subscribers', 'clients', 'changes/s', 'seconds', 'delivered', 'lost', 'to the wrong member', 'p50 ms', 'p95 ms', 'max ms',
      'after commit p50 / p95 ms', 'messages per change', 'server DB calls per change', 'issue → commit ms (mean)',
    ]);
    for (const r of [few, many]) {
      result.rows.push([
        r.subscribers, clients, changesPerSecond, seconds, `${r.received}/${r.expected}`, r.lost, r.crossed, fmt(r.p50Ms, 1), fmt(r.p95Ms, 1),
        fmt(r.maxMs, 1), `${fmt(r.afterCommitP50Ms, 1)} / ${fmt(r.afterCommitP95Ms, 1)}`, fmt(r.messagesPerChange, 2), fmt(r.serverCallsPerChange, 2), fmt(r.commitMs, 2),
      ]);
    }
    result.budgets.push(
      { label: 'p95 < 200 ms at 100 changes/s, 1,000 subscribers over 100 clients', value: `${fmt(many.p95Ms, 1)} ms`, met: many.p95Ms < 200 },
      { label: 'no change lost', value: `${few.lost} / ${many.lost} lost`, met: few.lost === 0 && many.lost === 0 },
      { label: 'nobody receives another client’s (or another admin’s) change', value: `${few.crossed} / ${many.crossed}`, met: few.crossed === 0 && many.crossed === 0 },
      {
        label: 'database work per change does not grow from 100 to 1,000 subscribers',
        value: `${fmt(few.messagesPerChange, 2)} → ${fmt(many.messagesPerChange, 2)} messages written, ${fmt(few.serverCallsPerChange, 2)} → ${fmt(many.serverCallsPerChange, 2)} server DB calls per change`,
        met: few.messagesPerChange === many.messagesPerChange && few.serverCallsPerChange === 0 && many.serverCallsPerChange === 0,
      },
    );
    result.notes.push(
      'bench/realtime-broadcast.ts (runBroadcastFanout): each subscriber is its own realtime-js socket on its private topic (managers: the client’s, admins: their own), joined through the realtime.messages policies; one INSERT of a queue item per change, round-robin over the clients and their two admins, from 10 connections (a client’s changes always on the same one, so each topic sees them in order); latency = insert issued → realtime-js callback (the commit with fsync on included); after commit = the writer seeing its commit → callback, what delivery adds. Durable server (fsync on).',
      'Database work per change: realtime.messages rows the triggers wrote (one row per topic and statement, all of a statement’s in one INSERT: the client’s managers’ and the item’s admin’s) and the times the realtime server used a database connection while delivering (policies are asked at join only). The same members exist in both phases; only the number connected changes. Issue → commit is the writer’s own wait (queueing behind earlier statements on its connection included); the sockets and the realtime server run in the bench process, on the 2 cores PostgreSQL uses too.',
    );
    result.data = { few, many };
    return result;
  } finally {
    await server.close();
    await pool.end();
  }
}
