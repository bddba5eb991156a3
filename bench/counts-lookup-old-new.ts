/**
 * `npx tsx bench/counts-lookup-old-new.ts <dataDir> [rounds] [per]`: queue_list_counts with a search as admin0 and the
 * manager of client 0, with queue_lead_status_idx (20261204110100) and without it (dropped in a rolled-back
 * transaction: the counts as before), interleaved on a fixture that bench/list-counts-profile.ts loaded and kept in
 * `dataDir`. Each of `rounds` rounds runs `per` calls with the index, then `per` without (the order swapped every
 * round), each side in one transaction; reports p50/p95 of the wall time and the backend's CPU a call of each, and
 * whether both answered the same. LQ_COUNTS_TERMS ('|'-separated) chooses the terms.
 */
import { applyMigrations, databaseUrl, startEmbeddedPostgres, withClient } from '@leads-queue/local-supabase';
import { backendCpu, BENCH_ACTORS, BENCH_CLIENT0, claims, fmt, loadAverage, percentile } from './lib.ts';
import pg from 'pg';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: counts-lookup-old-new.ts <dataDir> [rounds] [per]');
const rounds = Number(process.argv[3] ?? 10);
const per = Number(process.argv[4] ?? 20);
const CLIENT0 = BENCH_CLIENT0;
const ACTORS = BENCH_ACTORS;
const TERMS = (process.env.LQ_COUNTS_TERMS ?? 'Lead 12|Lead 1|Lead 12345|050-0012345').split('|');

const server = await startEmbeddedPostgres({ dataDir, port: Number(process.env.LQ_COUNTS_PORT ?? 0) || undefined });
const url = databaseUrl(server.url, 'bench_list');
try {
  const applied = await applyMigrations(url);
  if (applied.length > 0) {
    await withClient(url, (db) => db.query('vacuum analyze public.whatsapp_message_queue'));
    console.log(`applied ${applied.join(', ')}`);
  }
  console.log(`${rounds} rounds of ${per} calls a side, load ${loadAverage()}`);
  for (const who of ['admin', 'manager'] as const) {
    // The superuser's connection: it drops the index in the old side's transaction, then takes the caller's role.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const c = claims(ACTORS[who]);
    const cpuMs = await backendCpu(db);
    const side = async <T>(old: boolean, work: () => Promise<T>): Promise<T> => {
      await db.query('begin');
      try {
        if (old) await db.query('drop index public.queue_lead_status_idx');
        await db.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('search_path', 'public, extensions', true)`,
          [String(c.role), JSON.stringify(c)]);
        return await work();
      } finally {
        await db.query('rollback');
      }
    };
    const call = (term: string) => db.query<{ status: string; items: string; capped: boolean }>('select * from public.queue_list_counts($1, $2)', [CLIENT0, term]);
    try {
      for (const term of TERMS) {
        const answers: string[] = [];
        for (const old of [false, true]) {
          answers.push(await side(old, async () => (await call(term)).rows.map((r) => `${r.status} ${r.items}${r.capped ? '+' : ''}`).join(', ')));
        }
        const wall: Record<'new' | 'old', number[]> = { new: [], old: [] };
        const cpu = { new: 0, old: 0 };
        for (let round = 0; round < rounds; round++) {
          for (const old of round % 2 === 0 ? [false, true] : [true, false]) {
            const key = old ? 'old' : 'new';
            await side(old, async () => {
              await call(term);
              const before = cpuMs();
              for (let i = 0; i < per; i++) {
                const start = performance.now();
                await call(term);
                wall[key].push(performance.now() - start);
              }
              cpu[key] += cpuMs() - before;
            });
          }
        }
        const line = (key: 'new' | 'old') =>
          `p50 ${fmt(percentile(wall[key], 50))} / p95 ${fmt(percentile(wall[key], 95))} ms, CPU ${fmt(cpu[key] / (rounds * per), 2)} ms a call`;
        console.log(`${who} '${term}': new ${line('new')}; old ${line('old')}; same: ${answers[0] === answers[1]} [${answers[0]}]`);
      }
    } finally {
      await db.end();
    }
  }
  console.log(`load ${loadAverage()}`);
} finally {
  await server.stop();
}
