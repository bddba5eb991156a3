import type pg from 'pg';
import type { RequestAuth } from '../types.ts';
import type { TableInfo } from './capture.ts';
import { filterSql, quoteIdent } from './filters.ts';
import { bindsTable, eventMatches, pick, type ChangeSubscriber, type IndexedChange, type Outbox, type Row } from './model.ts';

/**
 * Re-checks a burst of one table's changes for every subscriber acting as one caller (role +
 * claims): one read-only transaction under that caller decides visibility (RLS) and evaluates
 * every filter of those subscribers on the row as it was committed; matches go to `outbox`.
 */
export async function recheckForCaller(
  pool: pg.Pool,
  info: TableInfo,
  changes: IndexedChange[],
  auth: RequestAuth,
  subscribers: ChangeSubscriber[],
  outbox: Outbox,
): Promise<void> {
  const bindings = subscribers.flatMap((s) => s.bindings.filter((b) => bindsTable(b, info)));
  const relevant = changes.filter(({ change }) => bindings.some((b) => eventMatches(b, change.y)));
  if (relevant.length === 0) return;
  const oldIdentity = (row: Row | undefined) => (info.identityFull ? (row ?? {}) : pick(row, info.primaryKey));

  const params: unknown[] = [
    relevant.map(({ change }) => change.y !== 'DELETE'),
    JSON.stringify(relevant.map(({ change }) => (change.y === 'DELETE' ? oldIdentity(change.o) : (change.n ?? {})))),
  ];
  const filters = [...new Map(bindings.filter((b) => b.conditions.length > 0).map((b) => [b.filter, b])).values()];
  const filterIndex = new Map(filters.map((b, i) => [b.filter, i + 1]));
  const filterSqls = filters.map((b) => filterSql(b.conditions, 'c', params));
  const table = `${quoteIdent(info.schema)}.${quoteIdent(info.table)}`;
  // As walrus: without RLS every subscriber sees the change; with it, the row must still be
  // readable under the subscriber's role and claims (so a row deleted before this check is missed).
  const visible = !info.rlsEnabled
    ? 'true'
    : info.primaryKey.length === 0
      ? 'false'
      : `(select rolbypassrls from pg_catalog.pg_roles where rolname = current_user)
         or exists(select 1 from ${table} x where ${info.primaryKey.map((k) => `x.${quoteIdent(k)} = c.${quoteIdent(k)}`).join(' and ')})`;
  const sql = `
    select c.ordinality::int as i,
           case when ($1::boolean[])[c.ordinality::int] then ${visible} else true end as v,
           array[${['true', ...filterSqls].join(', ')}]::boolean[] as m,
           case when c.ordinality = 1 then
             (select array_agg(a.attname::text) from pg_catalog.pg_attribute a
               where a.attrelid = '${table.replaceAll("'", "''")}'::regclass and a.attnum > 0 and not a.attisdropped
                 and pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT'))
           end as cols
      from jsonb_populate_recordset(null::${table}, $2::jsonb) with ordinality c`;

  const client = await pool.connect();
  let rows: { i: number; v: boolean; m: boolean[]; cols: string[] | null }[];
  try {
    await client.query(
      `begin read only; select set_config('role', ${client.escapeLiteral(auth.role)}, true), ` +
        `set_config('request.jwt.claims', ${client.escapeLiteral(JSON.stringify(auth.claims))}, true)`,
    );
    rows = (await client.query<{ i: number; v: boolean; m: boolean[]; cols: string[] | null }>(sql, params)).rows;
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }

  const selectable = new Set(rows[0]?.cols ?? info.columns.map((c) => c.name));
  const columns = info.columns.filter((c) => selectable.has(c.name));
  for (const row of rows) {
    const entry = relevant[row.i - 1];
    if (!entry || !row.v) continue;
    const { change } = entry;
    const data: Row = {
      schema: info.schema,
      table: info.table,
      commit_timestamp: change.ts,
      type: change.y,
      columns,
    };
    if (change.y !== 'DELETE') data.record = pick(change.n, selectable);
    if (change.y === 'UPDATE') data.old_record = pick(oldIdentity(change.o), selectable);
    // Supabase cannot secure a deleted row under RLS, so it reveals the primary key only.
    if (change.y === 'DELETE') data.old_record = pick(info.rlsEnabled ? pick(change.o, info.primaryKey) : oldIdentity(change.o), selectable);
    data.errors = null;
    for (const subscriber of subscribers) {
      const ids = subscriber.bindings
        .filter((b) => bindsTable(b, info) && eventMatches(b, change.y) && (b.conditions.length === 0 || row.m[filterIndex.get(b.filter) ?? 0]))
        .map((b) => b.id);
      if (ids.length === 0) continue;
      const list = outbox.get(subscriber) ?? [];
      list.push({ index: entry.index, payload: { ids, data } });
      outbox.set(subscriber, list);
    }
  }
}
