/**
 * `npx tsx bench/processor-profile.ts [admins] [--close]`: where one queue-processor invocation's time goes, piece by piece, on
 * a durable embedded PostgreSQL: the claim and complete SQL alone (pg, no HTTP), the same RPCs through the gateway's
 * PostgREST stand-in (fetch), and whole invocations, cold then warm (wall, Deno CPU from /proc). --close: the Agent DB
 * stand-in closes its connection after every webhook (a new connection a send).
 */
import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { SERVICE_ROLE_KEY } from '@leads-queue/local-supabase';
import { startProfileStack } from './lib.ts';
import { cleanup, processCpuMs, seed } from './suites/processor.ts';

const admins = Number(process.argv[2] ?? 10);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const fmt = (values: number[]) => `n=${values.length} mean ${mean(values).toFixed(2)} ms, max ${Math.max(...values).toFixed(2)} ms`;

async function pairsOf(db: pg.Client): Promise<{ user_id: string; client_id: string }[]> {
  return (await db.query(`select s.user_id, s.client_id from public.user_queue_settings s join auth.users u on u.id = s.user_id
    where u.email like 'bench-%' order by 1`)).rows;
}

const { url, stack, db, stop } = await startProfileStack('profile-processor', { keepAlive: !process.argv.includes('--close') });
try {
  await seed(url, admins, 0);
  let pairs = await pairsOf(db);
  await db.query(`select public.lease_processor_pairs('profile', $1::jsonb, 600)`, [JSON.stringify(pairs)]);
  const claim: number[] = [];
  const complete: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    for (const pair of pairs) {
      let t = performance.now();
      const { rows } = await db.query(`select public.claim_next_item('profile', $1, $2, now(), 60) as c`, [pair.user_id, pair.client_id]);
      claim.push(performance.now() - t);
      const id = rows[0].c.item?.id;
      if (!id) continue;
      t = performance.now();
      await db.query(`select public.complete_queue_item($1, 'profile', null)`, [id]);
      complete.push(performance.now() - t);
    }
  }
  console.log(`SQL over pg (no HTTP): claim_next_item ${fmt(claim)}; complete_queue_item ${fmt(complete)}`);

  const rpc = async (name: string, body: unknown) => {
    const t = performance.now();
    const response = await fetch(`${stack.url}/rest/v1/rpc/${name}`, { method: 'POST', body: JSON.stringify(body),
      headers: { apikey: SERVICE_ROLE_KEY, Authorization: `Bearer ${SERVICE_ROLE_KEY}`, 'Content-Type': 'application/json' } });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : null;
    return { ms: performance.now() - t, json };
  };
  const claimHttp: number[] = [];
  const completeHttp: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    for (const pair of pairs) {
      const c = await rpc('claim_next_item', { worker_id: 'profile', for_user: pair.user_id, for_client: pair.client_id, lease_seconds: 60 });
      claimHttp.push(c.ms);
      const id = (c.json as { item?: { id: string } }).item?.id;
      if (!id) continue;
      completeHttp.push((await rpc('complete_queue_item', { item_id: id, worker_id: 'profile', agent_trigger_id: null })).ms);
    }
  }
  console.log(`Through the gateway (fetch): claim_next_item ${fmt(claimHttp)}; complete_queue_item ${fmt(completeHttp)}`);
  await db.query(`select public.release_processor_pairs('profile', $1::jsonb)`, [JSON.stringify(pairs)]);

  const pid = (await Promise.all(stack.gateway.functions!.pids().map(async (candidate) => ({ candidate,
    cmdline: await readFile(`/proc/${candidate}/cmdline`, 'utf8').catch(() => '') })))).find((e) => e.cmdline.includes('queue-processor'))!.candidate;
  // The first whole invocation runs the processor's code cold (not yet optimised by V8), the later ones warm.
  for (const label of ['cold', 'warm', 'warm']) {
    await cleanup(url);
    await seed(url, admins, 0);
    pairs = await pairsOf(db);
    const cpu0 = await processCpuMs(pid);
    const t0 = performance.now();
    const response = await fetch(`${stack.url}/functions/v1/queue-processor`, { method: 'POST', body: JSON.stringify({ pairs }),
      headers: { Authorization: `Bearer ${SERVICE_ROLE_KEY}`, 'Content-Type': 'application/json' } });
    const summary = await response.json() as { totals: { sent: number }; roundTrips: number };
    const wall = performance.now() - t0;
    const cpu = (await processCpuMs(pid)) - cpu0;
    console.log(`One invocation (${label}), ${pairs.length} pairs: ${summary.totals.sent} sent, wall ${wall.toFixed(0)} ms (${(wall / summary.totals.sent).toFixed(1)} ms per send), Deno CPU ${cpu.toFixed(0)} ms (${(cpu / summary.totals.sent).toFixed(2)} ms per send), ${summary.roundTrips} round trips`);
  }
} finally {
  await stop();
}
