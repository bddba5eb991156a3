/**
 * `npx tsx bench/outlook-old-new.ts <dataDir> [rounds] [per]`: the outlook functions before 20261203130100 (one
 * private.pair_outlook call a pair; loaded from their migrations as queue_outlook_old / queue_drain_old /
 * pair_outlook_old) against the current ones, interleaved on the same pages at the same `at`, over a fixture that
 * bench/outlook-profile.ts loaded and kept in `dataDir`. Each of `rounds` rounds runs `per` calls of new then old for
 * every page (the order swapped every round); reports p50/p95 of the wall time and the backend's CPU a call of each,
 * and whether both answered the same rows, column by column. LQ_OUTLOOK_REAPPLY names a migration to run again first.
 * LQ_OUTLOOK_OLD=pairs takes 20261203130100's functions as the old ones (one private.pairs_outlook call a call).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyMigrations, databaseUrl, startEmbeddedPostgres, withClient } from '@leads-queue/local-supabase';
import { backendCpu, BENCH_ACTORS, BENCH_CLIENT0, connectAs, fmt, percentile } from './lib.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: outlook-old-new.ts <dataDir> [rounds] [per]');
const rounds = Number(process.argv[3] ?? 10);
const per = Number(process.argv[4] ?? 10);
const CLIENT0 = BENCH_CLIENT0;
const ACTORS = BENCH_ACTORS;

const MIGRATIONS = path.resolve(import.meta.dirname, '../supabase/migrations');
const lift = (file: string, name: string) => {
  const sql = readFileSync(path.join(MIGRATIONS, file), 'utf8');
  const start = sql.indexOf(`create or replace function ${name}(`);
  if (start < 0) throw new Error(`${name} not in ${file}`);
  return sql.slice(start, sql.indexOf('\n$$;', start) + 4).replaceAll('private.pair_outlook(', 'private.pair_outlook_old(')
    .replaceAll('private.pairs_outlook(', 'private.pairs_outlook_old(')
    .replaceAll('public.queue_outlook(', 'public.queue_outlook_old(').replaceAll('public.queue_drain(', 'public.queue_drain_old(');
};
// LQ_OUTLOOK_OLD=pairs: the old functions are 20261203130100's (one private.pairs_outlook call a call, the ranks one
// private.pair_ranks call a pair); by default those before it (one private.pair_outlook call a pair).
const OLD = process.env.LQ_OUTLOOK_OLD === 'pairs'
  ? [lift('20261203130100_outlook_pairs_in_one_call.sql', 'private.pairs_outlook'),
    lift('20261203130100_outlook_pairs_in_one_call.sql', 'public.queue_outlook'),
    lift('20261203130100_outlook_pairs_in_one_call.sql', 'public.queue_drain')]
  : [lift('20261202220100_outlook_batch_by_each_future_item.sql', 'private.pair_outlook'),
    lift('20261202220300_outlook_stopped_pairs_in_sql.sql', 'public.queue_outlook'),
    lift('20261202190200_drain_skips_stopped_pairs.sql', 'public.queue_drain')];

const server = await startEmbeddedPostgres({ dataDir });
const url = databaseUrl(server.url, 'bench_outlook');
try {
  const applied = await applyMigrations(url);
  if (applied.length > 0) console.log(`applied ${applied.join(', ')}`);
  // LQ_OUTLOOK_REAPPLY=<migration file>: run it again (a branch's migration edited since the dir applied it).
  if (process.env.LQ_OUTLOOK_REAPPLY) {
    const file = process.env.LQ_OUTLOOK_REAPPLY;
    await withClient(url, (db) => db.query(readFileSync(path.join(MIGRATIONS, file), 'utf8')));
    console.log(`re-applied ${file}`);
  }
  const at = process.env.LQ_OUTLOOK_AT ?? await withClient(url, async (db) => (await db.query<{ at: Date }>(
    `select min(created_at) as at from auth.users where email like '%@bench.test'`)).rows[0]!.at.toISOString());
  const pages = await withClient(url, async (db) => {
    for (const sql of OLD) await db.query(sql);
    const page = async (owner: string | null, deep: boolean) => (await db.query<{ id: string }>(
      `select id from public.whatsapp_message_queue where client_id = $1 and status = 'pending' and ($2::uuid is null or user_id = $2)
        order by created_at desc, id desc
       offset case when $3 then (select count(*) * 9 / 10 from public.whatsapp_message_queue
                                  where client_id = $1 and status = 'pending' and ($2::uuid is null or user_id = $2)) else 0 end limit 50`,
      [CLIENT0, owner, deep])).rows.map((r) => r.id);
    return { admin: { first: await page(ACTORS.admin.id, false), deep: await page(ACTORS.admin.id, true) },
      manager: { first: await page(null, false), deep: await page(null, true) } };
  });
  console.log(`at ${at}, ${rounds} rounds of ${per} calls each`);
  for (const who of ['admin', 'manager'] as const) {
    const db = await connectAs(url, ACTORS[who]);
    const cpuMs = await backendCpu(db);
    try {
      const cases: [string, (suffix: string) => [string, unknown[]]][] = [
        ['first page', (x) => [`select * from public.queue_outlook${x}($1, $2, $3) order by 1`, [pages[who].first, CLIENT0, at]]],
        ['deep page', (x) => [`select * from public.queue_outlook${x}($1, $2, $3) order by 1`, [pages[who].deep, CLIENT0, at]]],
        ['drain', (x) => [`select * from public.queue_drain${x}($1, $2)`, [CLIENT0, at]]],
      ];
      for (const [name, call] of cases) {
        const answers = await Promise.all(['', '_old'].map(async (x) => JSON.stringify((await db.query(...call(x))).rows)));
        const wall: Record<string, number[]> = { '': [], _old: [] };
        const cpu: Record<string, number> = { '': 0, _old: 0 };
        for (const x of ['', '_old']) await db.query(...call(x));
        for (let round = 0; round < rounds; round++) {
          for (const x of round % 2 === 0 ? ['', '_old'] : ['_old', '']) {
            const before = cpuMs();
            for (let i = 0; i < per; i++) {
              const start = performance.now();
              await db.query(...call(x));
              wall[x]!.push(performance.now() - start);
            }
            cpu[x]! += cpuMs() - before;
          }
        }
        const line = (x: string) => `p50 ${fmt(percentile(wall[x]!, 50))} / p95 ${fmt(percentile(wall[x]!, 95))} ms, CPU ${fmt(cpu[x]! / (rounds * per), 2)} ms a call`;
        console.log(`${who} ${name}: new ${line('')}; old ${line('_old')}; same rows: ${answers[0] === answers[1]}`);
      }
    } finally {
      await db.end();
    }
  }
} finally {
  await server.stop();
}
