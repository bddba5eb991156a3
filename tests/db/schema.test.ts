import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../support/db.ts';
import { listMigrations } from '@leads-queue/local-supabase';
import { generateTypes, TYPES_FILE } from '../../scripts/gen-types.ts';
import { DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID } from '../support/seed.ts';
import { MAX_CLOSED_DATES, QUEUE_SETTINGS_DEFAULTS, QUEUE_SETTINGS_LIMITS } from '../../supabase/functions/_shared/settingsDefaults.ts';

const db = withDatabase();

const EXPOSED = ['public'];

describe('schema hygiene', () => {
  it('has no table without RLS in an exposed or private schema', async () => {
    const { rows } = await db.pool.query(`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname in ('public', 'private') and not c.relrowsecurity`);
    expect(rows).toEqual([]);
  });

  it('has no function of ours without a fixed search_path', async () => {
    const { rows } = await db.pool.query(`
      select p.oid::regprocedure::text as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')`);
    expect(rows).toEqual([]);
  });

  it('has no view without security_invoker', async () => {
    const { rows } = await db.pool.query(`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'v' and n.nspname = any($1)
         and not coalesce(c.reloptions @> array['security_invoker=on'] or c.reloptions @> array['security_invoker=true'], false)`, [EXPOSED]);
    expect(rows).toEqual([]);
  });

  it('has no security definer function in an exposed schema that anon or authenticated may call', async () => {
    const { rows } = await db.pool.query(`
      select p.oid::regprocedure::text as fn, r.rolname from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        cross join (values ('anon'), ('authenticated')) r(rolname)
       where p.prosecdef and n.nspname = any($1) and has_function_privilege(r.rolname, p.oid, 'execute')`, [EXPOSED]);
    expect(rows).toEqual([]);
  });

  it('keeps one policy per command, always to authenticated', async () => {
    const { rows } = await db.pool.query(`select tablename, policyname, cmd, roles::text[] as roles from pg_policies where schemaname = 'public'`);
    expect(rows.filter((r) => r.cmd === 'ALL')).toEqual([]);
    expect(rows.filter((r) => r.roles.join() !== 'authenticated')).toEqual([]);
    const perCommand = new Map<string, number>();
    for (const r of rows) perCommand.set(`${r.tablename}:${r.cmd}`, (perCommand.get(`${r.tablename}:${r.cmd}`) ?? 0) + 1);
    expect([...perCommand].filter(([, n]) => n > 1)).toEqual([]);
  });

  it('orders the enums by meaning', async () => {
    const { rows } = await db.pool.query(`
      select (select array_agg(e::text order by e) from unnest(enum_range(null::queue_priority)) e) as priorities,
             (select array_agg(e::text order by e) from unnest(enum_range(null::queue_item_status)) e) as statuses`);
    expect(rows[0].priorities).toEqual(['low', 'normal', 'high', 'immediate']);
    expect(rows[0].statuses).toEqual(['pending', 'queued', 'processing', 'sent', 'failed', 'cancelled']);
  });

  it('records every migration as the Supabase CLI does', async () => {
    const { rows } = await db.pool.query('select version from supabase_migrations.schema_migrations order by version');
    expect(rows.map((r) => r.version)).toEqual((await listMigrations()).map((m) => m.version));
  });

  it('broadcasts the queue, settings, sending pause and the leads’ contact state instead of publishing them to postgres_changes', async () => {
    const published = await db.pool.query("select tablename from pg_publication_tables where pubname = 'supabase_realtime'");
    expect(published.rows).toEqual([]);
    const { rows } = await db.pool.query<{ table: string; trigger: string }>(
      `select c.relname as table, t.tgname as trigger from pg_trigger t join pg_class c on c.oid = t.tgrelid
        where t.tgname like '%broadcast%' and c.relnamespace = 'public'::regnamespace order by 1, 2`,
    );
    expect(rows.map((r) => `${r.table}.${r.trigger}`)).toEqual([
      'clients.clients_broadcast_pause',
      'leads.leads_broadcast_contact',
      'user_queue_settings.user_queue_settings_broadcast_deletes',
      'user_queue_settings.user_queue_settings_broadcast_inserts',
      'user_queue_settings.user_queue_settings_broadcast_updates',
      'whatsapp_message_queue.whatsapp_message_queue_broadcast_deletes',
      'whatsapp_message_queue.whatsapp_message_queue_broadcast_inserts',
      'whatsapp_message_queue.whatsapp_message_queue_broadcast_updates',
    ]);
  });

  it('_shared/database.ts matches the live schema (run `npm run db:types` when this fails)', async () => {
    const committed = await readFile(TYPES_FILE, 'utf8');
    expect(await generateTypes(db.url)).toBe(committed);
  });
});

describe('seed', () => {
  it('has the demo users, clients, leads with valid numbers, settings with the spec defaults and an empty queue', async () => {
    const users = (await db.pool.query('select email from auth.users order by email')).rows.map((r) => r.email);
    expect(users).toEqual(['manager@test.test', 'other@test.test', 'test@test.test']);
    const password = await db.pool.query(
      "select count(*)::int n from auth.users where encrypted_password = extensions.crypt('testtesttest', encrypted_password)");
    expect(password.rows[0].n).toBe(3);
    const leads = (await db.pool.query('select client_id, count(*)::int n from leads group by 1')).rows;
    expect(Object.fromEntries(leads.map((r) => [r.client_id, r.n]))).toEqual({ [DEMO_CLIENT_ID]: 60, [OTHER_CLIENT_ID]: 10 });
    const phones = await db.pool.query("select count(*)::int n from leads where phone !~ '^\\+9725[0-9]{8}$'");
    expect(phones.rows[0].n).toBe(0);
    const settings = (await db.pool.query('select daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, timezone from user_queue_settings')).rows;
    expect(settings).toHaveLength(2);
    for (const s of settings) {
      // Pacing overrides start empty: the environment's values apply (private.effective_pacing).
      expect(s).toEqual({ daily_target: 45, max_capacity: 200, batch_size: null, processing_delay_ms: null, rate_limit_per_hour: null, timezone: 'Asia/Jerusalem' });
    }
    const effective = (await db.pool.query('select (private.effective_pacing(s)).* from user_queue_settings s')).rows;
    expect(effective).toEqual([0, 1].map(() => ({ batch_size: 10, processing_delay_ms: 2000, rate_limit_per_hour: 1000 })));
    expect((await db.pool.query('select count(*)::int n from whatsapp_message_queue')).rows[0].n).toBe(0);
  });

  it('the TypeScript defaults the app and the functions use are the schema’s column defaults', async () => {
    const { rows } = await db.pool.query(
      `select timezone, business_hours, holiday_calendar, to_char_dates, short_erev_chag, erev_chag_end, daily_target, max_capacity,
              batch_size, processing_delay_ms, rate_limit_per_hour, retention_days, cooldown_days
         from (select s.*, array(select to_char(d, 'YYYY-MM-DD') from unnest(s.closed_dates) d) as to_char_dates
                 from user_queue_settings s where user_id = $1) x`,
      [OTHER_ADMIN_ID],
    );
    const { to_char_dates, ...row } = rows[0];
    expect({ ...row, closed_dates: to_char_dates }).toEqual(QUEUE_SETTINGS_DEFAULTS);
  });

  it('the limits the settings form accepts are the bounds of the settings check constraints', async () => {
    const { rows } = await db.pool.query<{ name: string; definition: string }>(
      `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
        where conrelid = 'public.user_queue_settings'::regclass and contype = 'c'`,
    );
    const bounds: Record<string, { min: number; max: number }> = {};
    for (const { definition } of rows) {
      const range = /^CHECK \(\(\((\w+) >= (\d+)\) AND \(\1 <= (\d+)\)\)\)$/.exec(definition);
      if (range?.[1]) bounds[range[1]] = { min: Number(range[2]), max: Number(range[3]) };
    }
    expect(bounds).toEqual(QUEUE_SETTINGS_LIMITS);
    const dates = rows.find((row) => row.name === 'settings_closed_dates_bounded')?.definition;
    expect(dates).toBe(`CHECK ((cardinality(closed_dates) <= ${MAX_CLOSED_DATES}))`);
  });

  it('refuses a value just outside each limit and keeps one just inside', async () => {
    const set = (column: string, value: number) =>
      db.pool.query(`update user_queue_settings set ${column} = $2 where user_id = $1`, [OTHER_ADMIN_ID, value]);
    for (const [column, { min, max }] of Object.entries(QUEUE_SETTINGS_LIMITS)) {
      // The target may not exceed the capacity: give both room before each column is probed.
      await db.pool.query('update user_queue_settings set daily_target = 1, max_capacity = 100000 where user_id = $1', [OTHER_ADMIN_ID]);
      await expect(set(column, min - 1), `${column} = ${min - 1}`).rejects.toMatchObject({ code: '23514' });
      await expect(set(column, min), `${column} = ${min}`).resolves.toMatchObject({ rowCount: 1 });
      await expect(set(column, max), `${column} = ${max}`).resolves.toMatchObject({ rowCount: 1 });
      await expect(set(column, max + 1), `${column} = ${max + 1}`).rejects.toMatchObject({ code: '23514' });
    }
    await db.pool.query(
      `update user_queue_settings set daily_target = default, max_capacity = default, batch_size = default,
              processing_delay_ms = default, rate_limit_per_hour = default, retention_days = default, cooldown_days = default
         where user_id = $1`,
      [OTHER_ADMIN_ID],
    );
  });
});
