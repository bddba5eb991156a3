/**
 * `npx tsx bench/list-counts-profile.ts [rows] [runs] [dataDir]`: queue_list_counts with a search (LQ_COUNTS_TERMS,
 * '|'-separated: a broad name looked up, one walked, a narrow name, a Hebrew name, a phone) as admin0 and the manager of
 * client 0, over suite 3c's fixture at `rows` rows (counters recounted, list keys rebuilt, 1,000 leads renamed to
 * Hebrew): p50/p95 of `runs` direct calls in the role with the JWT claims (as PostgREST runs them), and each answer.
 * With a dataDir the loaded server is kept and reused (migrations added since are applied first), so one fixture
 * times the functions before and after a migration. LQ_COUNTS_PORT fixes the port (to reach it with psql meanwhile).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres, withClient } from '@leads-queue/local-supabase';
import { BENCH_ACTORS, BENCH_CLIENT0, connectAs, fmt, percentile, sample } from './lib.ts';
import { loadDashboardData } from './suites/dashboard.ts';

const rows = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 30);
const dataDir = process.argv[4] ?? path.join(await mkdtemp(path.join(os.tmpdir(), 'lq-counts-')), 'data');
const CLIENT0 = BENCH_CLIENT0;
const ACTORS = BENCH_ACTORS;
const TERMS = (process.env.LQ_COUNTS_TERMS ?? 'Lead 12|Lead 1|Lead 12345|דנה 1345|050-0012345').split('|');

const server = await startEmbeddedPostgres({ dataDir, port: Number(process.env.LQ_COUNTS_PORT ?? 0) || undefined });
const url = databaseUrl(server.url, 'bench_list');
try {
  const loaded = await withClient(server.url, async (db) =>
    (await db.query(`select 1 from pg_database where datname = 'bench_list'`)).rowCount === 1);
  if (!loaded) {
    await recreateDatabase(server.url, 'bench_list');
    await resetDatabase(url, { seed: false });
    const ms = await loadDashboardData(url, rows);
    await withClient(url, async (db) => {
      // As suite 3c: bulk-loaded with triggers off, so everything kept is counted once.
      await db.query('select private.recount_queue_statuses()');
      await db.query('select private.rebuild_queue_list_keys()');
      await db.query(`update public.leads set name = 'דנה ' || substr(name, 6) where name like 'Lead 13%' and length(name) = 10`);
      await db.query('vacuum analyze');
    });
    console.log(`loaded ${rows} rows in ${(ms / 1000).toFixed(1)} s`);
  } else {
    const applied = await applyMigrations(url);
    if (applied.length > 0) {
      await withClient(url, (db) => db.query('vacuum analyze'));
      console.log(`applied ${applied.join(', ')}`);
    }
  }
  if (process.env.LQ_COUNTS_HOLD === '1') {
    console.log(`holding ${server.url}`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  const stat = (values: number[]) => `p50 ${fmt(percentile(values, 50))} ms, p95 ${fmt(percentile(values, 95))} ms`;
  for (const who of ['admin', 'manager'] as const) {
    const db = await connectAs(url, ACTORS[who]);
    try {
      for (const term of TERMS) {
        const counts = await sample(runs, 2, () => db.query('select * from public.queue_list_counts($1, $2)', [CLIENT0, term]));
        const answer = (await db.query<{ status: string; items: string; capped: boolean }>(
          'select * from public.queue_list_counts($1, $2)', [CLIENT0, term])).rows.map((r) => `${r.status} ${r.items}${r.capped ? '+' : ''}`).join(', ');
        console.log(`${who} counts '${term}': ${stat(counts)} [${answer}]`);
      }
    } finally {
      await db.end();
    }
  }
} finally {
  await server.stop();
}
