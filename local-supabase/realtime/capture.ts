import type pg from 'pg';
import { quoteIdent } from './filters.ts';

/** NOTIFY channel the capture trigger writes to; one per database. */
export const CHANGE_CHANNEL = 'lq_realtime_changes';
const TRIGGER = 'lq_realtime_capture';
/** NOTIFY payloads must stay under 8000 bytes; above this the row travels as its primary key only. */
const MAX_NOTIFY_BYTES = 7000;

/**
 * No logical decoding plugin is available (no wal2json), so an AFTER ROW trigger NOTIFYs each
 * change; NOTIFY is delivered at commit, in commit order. `i` comes from a sequence because
 * Postgres folds identical payloads sent in one transaction into one.
 */
const INSTALL_SQL = `
create schema if not exists realtime;
create sequence if not exists realtime.lq_change_seq;
create or replace function realtime.lq_capture_change() returns trigger
language plpgsql security definer set search_path = '' as $fn$
declare
  body jsonb := jsonb_build_object(
    'i', nextval('realtime.lq_change_seq'),
    's', tg_table_schema,
    't', tg_table_name,
    'y', tg_op,
    'ts', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
  full_body text;
begin
  if tg_op <> 'DELETE' then body := body || jsonb_build_object('n', to_jsonb(new)); end if;
  if tg_op <> 'INSERT' then body := body || jsonb_build_object('o', to_jsonb(old)); end if;
  full_body := body::text;
  if octet_length(full_body) > ${MAX_NOTIFY_BYTES} then
    -- too large for NOTIFY: send primary keys; the feed fetches the row itself
    if tg_op <> 'DELETE' then
      body := body || jsonb_build_object('n', (select coalesce(jsonb_object_agg(k, to_jsonb(new) -> k), '{}') from unnest(tg_argv) k));
    end if;
    if tg_op <> 'INSERT' then
      body := body || jsonb_build_object('o', (select coalesce(jsonb_object_agg(k, to_jsonb(old) -> k), '{}') from unnest(tg_argv) k));
    end if;
    full_body := (body || '{"b":true}')::text;
  end if;
  perform pg_notify('${CHANGE_CHANNEL}', full_body);
  return null;
end
$fn$;
revoke all on function realtime.lq_capture_change() from public;
`;

export interface TableRef {
  schema: string;
  table: string;
}

export const tableKey = (ref: TableRef) => `${ref.schema}.${ref.table}`;

export async function installCapture(admin: pg.ClientBase): Promise<void> {
  await admin.query('begin');
  try {
    // Several servers may attach to one database (tests, dev stack); serialise the DDL.
    await admin.query(`select pg_advisory_xact_lock(hashtext('lq_realtime_install'))`);
    await admin.query(INSTALL_SQL);
    await admin.query('commit');
  } catch (error) {
    await admin.query('rollback').catch(() => {});
    throw error;
  }
}

/**
 * Puts the capture trigger on every table of publication supabase_realtime and removes it from
 * tables that left it. Returns the captured tables.
 */
export async function syncPublication(admin: pg.ClientBase): Promise<TableRef[]> {
  await admin.query('begin');
  try {
    await admin.query(`select pg_advisory_xact_lock(hashtext('lq_realtime_install'))`);
    const { rows } = await admin.query<{ schema: string; table: string; pk: string[]; has_trigger: boolean }>(
      `select p.schemaname as schema, p.tablename as table,
              coalesce((select array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum))
                          from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                         where i.indrelid = c.oid and i.indisprimary), '{}') as pk,
              exists(select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = $1) as has_trigger
         from pg_publication_tables p
         join pg_namespace n on n.nspname = p.schemaname
         join pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
        where p.pubname = 'supabase_realtime' and c.relkind in ('r', 'p')`,
      [TRIGGER],
    );
    for (const row of rows) {
      if (row.has_trigger) continue;
      const args = row.pk.map((name) => admin.escapeLiteral(name)).join(', ');
      await admin.query(
        `create trigger ${TRIGGER} after insert or update or delete on ${quoteIdent(row.schema)}.${quoteIdent(row.table)}
         for each row execute function realtime.lq_capture_change(${args})`,
      );
    }
    const stale = await admin.query<{ schema: string; table: string }>(
      `select n.nspname as schema, c.relname as table
         from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where t.tgname = $1
          and not exists (select 1 from pg_publication_tables p
                           where p.pubname = 'supabase_realtime' and p.schemaname = n.nspname and p.tablename = c.relname)`,
      [TRIGGER],
    );
    for (const row of stale.rows) {
      await admin.query(`drop trigger if exists ${TRIGGER} on ${quoteIdent(row.schema)}.${quoteIdent(row.table)}`);
    }
    await admin.query('commit');
    return rows.map((row) => ({ schema: row.schema, table: row.table }));
  } catch (error) {
    await admin.query('rollback').catch(() => {});
    throw error;
  }
}

export interface TableInfo extends TableRef {
  columns: { name: string; type: string }[];
  primaryKey: string[];
  rlsEnabled: boolean;
  /** Replica identity full: old rows keep every column (else the primary key only). */
  identityFull: boolean;
}

export async function loadTableInfo(admin: pg.ClientBase, ref: TableRef): Promise<TableInfo | null> {
  const { rows } = await admin.query<{
    columns: { name: string; type: string }[];
    pk: string[];
    rls: boolean;
    full: boolean;
  }>(
    `select (select coalesce(jsonb_agg(jsonb_build_object('name', a.attname, 'type', t.typname) order by a.attnum), '[]')
               from pg_attribute a join pg_type t on t.oid = a.atttypid
              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
            coalesce((select array_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum))
                        from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                       where i.indrelid = c.oid and i.indisprimary), '{}') as pk,
            c.relrowsecurity as rls,
            c.relreplident = 'f' as full
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2`,
    [ref.schema, ref.table],
  );
  const row = rows[0];
  if (!row) return null;
  return { ...ref, columns: row.columns, primaryKey: row.pk, rlsEnabled: row.rls, identityFull: row.full };
}
