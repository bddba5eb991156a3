/**
 * `npx tsx bench/queue-index-audit.ts dataDir [index ...]`: which of public.whatsapp_message_queue's indexes the app's
 * statements use, over the 1M-row fixture that `npx tsx bench/outlook-profile.ts 1000000 1 dataDir` loads. Each statement
 * (the list, counts and search, outlook and drain, export, dashboard, alerts, capacity, the processor's step and claim,
 * the purge, a user's and a lead's deletion, an enqueue) runs once as its caller, in a transaction rolled back, and the
 * queue indexes it scanned (pg_stat_user_indexes, functions' inner statements included) are listed. With index names:
 * the same run again with those indexes dropped (in the same rolled-back transaction): what each statement scans then
 * and its time, so a drop is shown to cost no plan.
 */
import pg from 'pg';
import { databaseUrl, startEmbeddedPostgres, withClient } from '@leads-queue/local-supabase';
import { claims, type Role } from './lib.ts';

const [dataDir, ...dropped] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: queue-index-audit.ts dataDir [index ...]');
const CLIENT0 = '00000000-0000-4000-9000-000000000000';
const ADMIN0: Role = { id: '00000000-0000-4000-a000-000000000000', email: 'admin0@bench.test' };
const ADMIN48: Role = { id: '00000000-0000-4000-a000-000000000048', email: 'admin48@bench.test' };
const MANAGER0: Role = { id: '00000000-0000-4000-b000-000000000000', email: 'manager0@bench.test' };
const SERVICE: Role = 'service_role';

// role null: the superuser (an auth user's deletion). setup: superuser SQL first, in the same transaction.
interface Statement { name: string; role: Role | null; sql: string; params?: unknown[]; setup?: string }

const ACTIVE = `array['pending', 'queued', 'processing']::public.queue_item_status[]`;
const FREE_LEADS = `select l.id from public.leads l where l.client_id = $1::uuid and l.opted_out_at is null
  and not exists (select 1 from public.whatsapp_message_queue q where q.lead_id = l.id and q.status = any (${ACTIVE})) limit 20`;
// The fixture keeps the spec's default hours: open every hour, so the claims get past the window whenever this runs.
const ALWAYS_OPEN = `update public.user_queue_settings set holiday_calendar = 'none', business_hours = (select jsonb_object_agg(d,
  '{"enabled": true, "start": "00:00", "end": "24:00"}'::jsonb) from unnest(array['sunday','monday','tuesday','wednesday','thursday','friday','saturday']) d)`;
const statements: Statement[] = [
  ...[ADMIN0, MANAGER0].flatMap((role) => {
    const who = role === ADMIN0 ? 'admin' : 'manager';
    return [
      { name: `${who} queue_status`, role, sql: 'select public.queue_status($1)', params: [CLIENT0] },
      { name: `${who} queue_admin_status`, role, sql: 'select * from public.queue_admin_status($1)', params: [CLIENT0] },
      { name: `${who} queue_alerts`, role, sql: 'select * from public.queue_alerts()' },
      { name: `${who} queue_hourly_throughput`, role, sql: 'select * from public.queue_hourly_throughput(24)' },
      { name: `${who} queue_alerts of client 0`, role, sql: 'select * from public.queue_alerts($1)', params: [CLIENT0] },
      { name: `${who} throughput of client 0`, role, sql: 'select * from public.queue_hourly_throughput(24, $1)', params: [CLIENT0] },
      { name: `${who} queue_user_performance`, role, sql: 'select * from public.queue_user_performance(7)' },
      { name: `${who} queue_capacity_today`, role, sql: 'select * from public.queue_capacity_today(at => now(), for_client => $1::uuid)', params: [CLIENT0] },
      { name: `${who} list first page`, role, sql: 'select * from public.queue_list_page($1)', params: [CLIENT0] },
      ...['pending', 'queued', 'processing', 'sent', 'failed', 'cancelled'].map((status) => (
        { name: `${who} list ${status} tab`, role, sql: 'select * from public.queue_list_page($1, $2::public.queue_item_status)', params: [CLIENT0, status] })),
      { name: `${who} list second page`, role, sql: `select * from public.queue_list_page($1, null, null, now() - interval '20 days', 'ffffffff-ffff-4fff-bfff-ffffffffffff')`, params: [CLIENT0] },
      ...['Lead 12', 'Lead 1', '050-0012'].map((term) => (
        { name: `${who} search '${term}'`, role, sql: 'select * from public.queue_list_page($1, null, $2)', params: [CLIENT0, term] })),
      { name: `${who} counts`, role, sql: 'select * from public.queue_list_counts($1)', params: [CLIENT0] },
      { name: `${who} counts 'Lead 12'`, role, sql: 'select * from public.queue_list_counts($1, $2)', params: [CLIENT0, 'Lead 12'] },
      { name: `${who} outlook of the pending page`, role, sql: `select * from public.queue_outlook(array(select id from public.queue_list_page($1, 'pending'::public.queue_item_status)), $1)`, params: [CLIENT0] },
      { name: `${who} queue_drain`, role, sql: 'select * from public.queue_drain($1)', params: [CLIENT0] },
      { name: `${who} export csv`, role, sql: `select public.export_queue_csv($1, now() - interval '3 days', now())`, params: [CLIENT0] },
      { name: `${who} export page end`, role, sql: `select * from public.export_page_end($1, now() - interval '30 days', now())`, params: [CLIENT0] },
      { name: `${who} active lead ids`, role, sql: `select lead_id from public.whatsapp_message_queue where client_id = $1 and status = any (${ACTIVE}) order by id limit 1000`, params: [CLIENT0] },
      { name: `${who} preview_spread`, role, sql: `select * from public.preview_spread(for_client => $1::uuid, lead_ids => array(select id from public.leads where client_id = $1::uuid order by created_at desc limit 50))`, params: [CLIENT0] },
    ];
  }),
  { name: 'admin enqueue 20 leads', role: ADMIN0, sql: `select public.enqueue_leads(lead_ids => array(${FREE_LEADS}), client_id => $1::uuid)`, params: [CLIENT0] },
  { name: 'admin enqueue_spread 20 leads', role: ADMIN0, sql: `select public.enqueue_spread(for_client => $1::uuid, lead_ids => array(${FREE_LEADS}))`, params: [CLIENT0] },
  { name: 'processor_shards', role: SERVICE, sql: 'select * from public.processor_shards(now())' },
  { name: 'lease + step (25 pairs)', role: SERVICE, setup: ALWAYS_OPEN, sql: `select public.processor_step('audit', '[]', (select jsonb_agg(p) from public.lease_processor_pairs('audit', null, 60) p))` },
  { name: 'claim_queue_batch (admin48)', role: SERVICE, setup: ALWAYS_OPEN, sql: `select count(*) from public.claim_queue_batch(worker_id => 'audit', max_items => 10, for_user => $1::uuid, lease_seconds => 60)`, params: [(ADMIN48 as { id: string }).id] },
  { name: 'lease + step again (lapsed leases)', role: SERVICE, setup: `${ALWAYS_OPEN}; update public.whatsapp_message_queue set locked_until = now() - interval '1 minute' where status in ('queued', 'processing')`,
    sql: `select public.processor_step('audit', '[]', (select jsonb_agg(p) from public.lease_processor_pairs('audit', null, 60) p))` },
  { name: 'admin pauses', role: ADMIN0, sql: `select public.set_processing_state(state => 'paused', client_id => $1::uuid)`, params: [CLIENT0] },
  { name: 'purge', role: SERVICE, sql: 'select public.purge_expired_queue_items()' },
  { name: 'delete a user', role: null, sql: `delete from auth.users where id = $1`, params: [(ADMIN48 as { id: string }).id] },
  { name: 'delete 5 leads', role: SERVICE, sql: `delete from public.leads where id in (${FREE_LEADS.replace('limit 20', 'limit 5')})`, params: [CLIENT0] },
];

const server = await startEmbeddedPostgres({ dataDir });
const url = databaseUrl(server.url, 'bench_outlook');

async function usage(db: pg.Client): Promise<Map<string, number>> {
  await db.query('select pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ name: string; scans: string }>(`select indexrelname as name, idx_scan as scans from pg_stat_user_indexes
     where relid = 'public.whatsapp_message_queue'::regclass`);
  return new Map(rows.map((row) => [row.name, Number(row.scans)]));
}

async function run(drop: string[]): Promise<void> {
  await withClient(url, async (admin) => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (const statement of statements) {
        await db.query('begin');
        for (const index of drop) await db.query(`drop index public.${index}`);
        if (statement.setup) await db.query(statement.setup);
        if (statement.role !== null) {
          const c = claims(statement.role);
          await db.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [String(c.role), JSON.stringify(c)]);
        }
        const before = await usage(admin);
        const t0 = performance.now();
        let outcome = 'ok';
        try {
          await db.query('savepoint s');
          await db.query(statement.sql, statement.params ?? []);
        } catch (error) {
          outcome = `error: ${(error as Error).message}`;
          await db.query('rollback to savepoint s');
        }
        const ms = performance.now() - t0;
        await db.query('select pg_stat_force_next_flush()');
        await db.query('rollback');
        await db.query('select 1');
        await new Promise((resolve) => setTimeout(resolve, 20));
        const after = await usage(admin);
        const used = [...after].filter(([name, n]) => n > (before.get(name) ?? 0)).map(([name, n]) => `${name} ${n - (before.get(name) ?? 0)}`);
        console.log(`${statement.name.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms  ${outcome === 'ok' ? '' : `${outcome}  `}${used.join(', ') || '(no queue index)'}`);
      }
    } finally {
      await db.end();
    }
  });
}

try {
  console.log('with every index:');
  await run([]);
  if (dropped.length) {
    console.log(`\nwithout ${dropped.join(', ')}:`);
    await run(dropped);
  }
} finally {
  await server.stop();
}
