import type pg from 'pg';
import { inTransaction } from '../connections.ts';
import { inheritKeys, viewColumnOrigins, type ViewInfo } from './views.ts';

/** What PostgREST calls the schema cache: relations, columns, keys and functions of the exposed schemas. */

export interface Column {
  name: string;
  /** format_type() with an empty search_path: schema-qualified where it matters, safe to splice into SQL. */
  type: string;
  hasDefault: boolean;
}

export interface Relation {
  schema: string;
  name: string;
  /** pg_class.relkind: r table, p partitioned, v view, m materialized view, f foreign table. */
  kind: string;
  columns: Map<string, Column>;
  primaryKey: string[];
  /** Primary key and unique constraints, each a column list. */
  uniques: string[][];
}

export interface ForeignKey {
  name: string;
  schema: string;
  table: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface FunctionArg {
  name: string;
  type: string;
  hasDefault: boolean;
  /** The relation whose row type this argument is (computed fields and relationships take one). */
  relation?: { schema: string; name: string };
}

export interface DbFunction {
  schema: string;
  name: string;
  args: FunctionArg[];
  returnsSet: boolean;
  returnKind: 'void' | 'scalar' | 'composite';
  returnType: string;
  /** The relation whose row type the function returns, when it returns a table's rows. */
  returnRelation?: { schema: string; name: string };
  /** Columns of a composite result (table row type, composite type or OUT/TABLE parameters). */
  returnColumns: Map<string, Column>;
  /** `rows 1` on a set-returning function: a computed relationship to one row. */
  singleRow: boolean;
  /** pg_proc.provolatile: i immutable, s stable, v volatile (a POST call to i or s runs read only, as PostgREST's). */
  volatility: 'i' | 's' | 'v';
}

/** A function of one row of `relation`: selected like a column (field) or embedded (relationship). */
export interface ComputedMember {
  fn: DbFunction;
  relation: { schema: string; name: string };
}

export interface SchemaCache {
  relations: Map<string, Relation>;
  foreignKeys: ForeignKey[];
  /** Functions PostgREST can call (at most one unnamed argument, of type json, jsonb, text, xml or bytea). */
  functions: Map<string, DbFunction[]>;
  /** Computed fields and relationships by the relation they take a row of (qualified key). */
  computed: Map<string, ComputedMember[]>;
  /** Per-role settings (`alter role anon set statement_timeout = '3s'`) that SET ROLE alone would not apply. */
  roleSettings: Map<string, Array<[string, string]>>;
  /** The `pgrst.*` settings of the role the stack logs in as (PostgREST's in-database configuration). */
  settings: RestSettings;
}

/** The in-database configuration this stand-in honours, with PostgREST's defaults. */
export interface RestSettings {
  aggregatesEnabled: boolean;
  planEnabled: boolean;
}

/** Settings PostgREST applies for the impersonated role; others may need privileges the caller lacks. */
const ROLE_SETTINGS = new Set(['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'work_mem', 'plan_cache_mode']);

export const qualified = (schema: string, name: string): string => `${schema}\u0000${name}`;

const RELATIONS_SQL = `
  select c.oid::int8 as oid, n.nspname as schema, c.relname as name, c.relkind as kind, a.attname as column_name, a.attnum,
         format_type(a.atttypid, a.atttypmod) as type,
         (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as has_default,
         n.nspname = any($1) and c.relkind in ('r', 'v', 'm', 'f', 'p') as exposed
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  where (n.nspname = any($1) and c.relkind in ('r', 'v', 'm', 'f', 'p'))
     or c.oid in (select t.typrelid from pg_proc p join pg_type t on t.oid = p.prorettype or t.oid = any(p.proargtypes)
                  where p.pronamespace in (select oid from pg_namespace where nspname = any($1)))
  order by c.oid, a.attnum`;

const CONSTRAINTS_SQL = `
  select con.conname as name, con.contype as kind, n.nspname as schema, c.relname as table_name,
         array(select a.attname from unnest(con.conkey) with ordinality k(num, ord)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.ord)::text[] as columns,
         fn.nspname as ref_schema, fc.relname as ref_table,
         array(select a.attname from unnest(con.confkey) with ordinality k(num, ord)
               join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.ord)::text[] as ref_columns
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_class fc on fc.oid = con.confrelid
  left join pg_namespace fn on fn.oid = fc.relnamespace
  where con.contype in ('p', 'u', 'f') and n.nspname = any($1)
  order by con.conname`;

const VIEWS_SQL = `
  select c.oid::int8 as oid, r.ev_action::text as tree
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_rewrite r on r.ev_class = c.oid and r.rulename = '_RETURN'
  where c.relkind in ('v', 'm') and n.nspname = any($1)`;

const FUNCTIONS_SQL = `
  select n.nspname as schema, p.proname as name, p.proretset as returns_set, p.pronargdefaults as n_defaults,
         coalesce(p.proargnames, '{}')::text[] as arg_names,
         coalesce(p.proargmodes::text[], '{}') as arg_modes,
         array(select format_type(t.oid, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(oid, ord)
               join pg_type t on t.oid = u.oid order by u.ord)::text[] as arg_types,
         array(select t.typrelid::int8 from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(oid, ord)
               join pg_type t on t.oid = u.oid order by u.ord)::int8[] as arg_relids,
         format_type(p.prorettype, null) as return_type, rt.typtype as return_typtype, rt.typrelid::int8 as return_relid,
         p.prorows = 1 as single_row, p.provolatile as volatility
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_type rt on rt.oid = p.prorettype
  where n.nspname = any($1) and p.prokind = 'f'
  order by p.oid`;

interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  column_name: string;
  attnum: number;
  type: string;
  has_default: boolean;
  exposed: boolean;
}

export async function loadSchemaCache(pool: pg.Pool, schemas: string[]): Promise<SchemaCache> {
  const { relationRows, constraintRows, functionRows, viewRows, roleRows, settingRows } = await inTransaction(
    pool,
    async (client) => {
      // An empty search_path makes format_type() qualify every non-catalog type, so names are unambiguous.
      await client.query(`select set_config('search_path', '', true)`);
      return {
        relationRows: (await client.query<RelationRow>(RELATIONS_SQL, [schemas])).rows,
        constraintRows: (await client.query(CONSTRAINTS_SQL, [schemas])).rows as Array<Record<string, unknown>>,
        functionRows: (await client.query(FUNCTIONS_SQL, [schemas])).rows as Array<Record<string, unknown>>,
        viewRows: (await client.query<{ oid: string; tree: string }>(VIEWS_SQL, [schemas])).rows,
        roleRows: (await client.query(`select rolname, rolconfig from pg_roles where rolconfig is not null`)).rows as Array<{ rolname: string; rolconfig: string[] }>,
        settingRows: (await client.query<{ name: string; value: string }>(PGRST_SETTINGS_SQL)).rows,
      };
    },
    { begin: 'begin isolation level repeatable read read only' },
  );
  const cache = buildCache(relationRows, constraintRows, functionRows, viewRows);
  cache.settings = restSettings(settingRows);
  for (const row of roleRows) {
    const settings = row.rolconfig
      .map((entry): [string, string] => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])
      .filter(([name]) => ROLE_SETTINGS.has(name));
    if (settings.length > 0) cache.roleSettings.set(row.rolname, settings);
  }
  return cache;
}

function buildCache(
  relationRows: RelationRow[],
  constraintRows: Array<Record<string, unknown>>,
  functionRows: Array<Record<string, unknown>>,
  viewRows: Array<{ oid: string; tree: string }>,
): SchemaCache {
  const relations = new Map<string, Relation>();
  const byOid = new Map<string, Relation>();
  const exposedByOid = new Map<string, { relation: Relation; attnums: Map<number, string> }>();
  for (const row of relationRows) {
    let relation = byOid.get(row.oid);
    if (!relation) {
      relation = { schema: row.schema, name: row.name, kind: row.kind, columns: new Map(), primaryKey: [], uniques: [] };
      byOid.set(row.oid, relation);
      if (row.exposed) {
        relations.set(qualified(row.schema, row.name), relation);
        exposedByOid.set(row.oid, { relation, attnums: new Map() });
      }
    }
    relation.columns.set(row.column_name, { name: row.column_name, type: row.type, hasDefault: row.has_default });
    exposedByOid.get(row.oid)?.attnums.set(Number(row.attnum), row.column_name);
  }
  const foreignKeys: ForeignKey[] = [];
  for (const row of constraintRows) {
    const relation = relations.get(qualified(String(row.schema), String(row.table_name)));
    const columns = row.columns as string[];
    if (row.kind === 'f') {
      foreignKeys.push({
        name: String(row.name),
        schema: String(row.schema),
        table: String(row.table_name),
        columns,
        refSchema: String(row.ref_schema),
        refTable: String(row.ref_table),
        refColumns: row.ref_columns as string[],
      });
    } else if (relation) {
      relation.uniques.push(columns);
      if (row.kind === 'p') relation.primaryKey = columns;
    }
  }
  const views: ViewInfo[] = viewRows.flatMap((row) => {
    const view = byOid.get(String(row.oid));
    return view ? [{ view, origins: viewColumnOrigins(row.tree) }] : [];
  });
  const allForeignKeys = views.length > 0 ? inheritKeys(views, exposedByOid, foreignKeys) : foreignKeys;
  const functions = new Map<string, DbFunction[]>();
  const computed = new Map<string, ComputedMember[]>();
  for (const row of functionRows) {
    const fn = toFunction(row, byOid);
    const [only] = fn.args;
    // PostgreSQL's attribute notation `row.fn` calls fn(row): PostgREST's computed fields and relationships.
    if (fn.args.length === 1 && only?.relation && fn.returnKind !== 'void') {
      const relationKey = qualified(only.relation.schema, only.relation.name);
      computed.set(relationKey, [...(computed.get(relationKey) ?? []), { fn, relation: only.relation }]);
    }
    if (!callable(fn)) continue;
    const key = qualified(fn.schema, fn.name);
    functions.set(key, [...(functions.get(key) ?? []), fn]);
  }
  return { relations, foreignKeys: allForeignKeys, functions, computed, roleSettings: new Map(), settings: restSettings([]) };
}

/** PostgREST leaves out functions it cannot call: more than one unnamed argument, or one of another type. */
function callable(fn: DbFunction): boolean {
  const unnamed = fn.args.filter((arg) => arg.name === '');
  if (unnamed.length === 0) return true;
  return unnamed.length === 1 && ['bytea', 'json', 'jsonb', 'text', 'xml'].includes(unnamed[0]?.type ?? '');
}

/** PostgREST reads its in-database configuration from the settings of the role it logs in as, for this database. */
const PGRST_SETTINGS_SQL = `
  select split_part(setting, '=', 1) as name, substr(setting, strpos(setting, '=') + 1) as value
    from pg_db_role_setting s
    join pg_roles r on r.oid = s.setrole
    cross join lateral unnest(s.setconfig) as setting
   where r.rolname = current_user
     and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
     and setting like 'pgrst.%'
   order by s.setdatabase`;

function restSettings(rows: Array<{ name: string; value: string }>): RestSettings {
  // A database-specific setting is read last, so it wins over the role-wide one.
  const values = new Map(rows.map((row) => [row.name, row.value.trim().toLowerCase()]));
  const flag = (name: string) => ['true', 'on', 'yes', '1'].includes(values.get(name) ?? '');
  return { aggregatesEnabled: flag('pgrst.db_aggregates_enabled'), planEnabled: flag('pgrst.db_plan_enabled') };
}

function toFunction(row: Record<string, unknown>, byOid: Map<string, Relation>): DbFunction {
  const names = row.arg_names as string[];
  const modes = row.arg_modes as string[];
  const types = row.arg_types as string[];
  const relids = row.arg_relids as string[];
  const inputs: FunctionArg[] = [];
  const outputs = new Map<string, Column>();
  types.forEach((type, index) => {
    const mode = modes[index] ?? 'i';
    const name = names[index] ?? '';
    const argRelation = byOid.get(String(relids[index]));
    const relationOfArg = argRelation && ['r', 'v', 'm', 'f', 'p'].includes(argRelation.kind) ? { relation: { schema: argRelation.schema, name: argRelation.name } } : {};
    if (mode === 'i' || mode === 'b' || mode === 'v') inputs.push({ name, type, hasDefault: false, ...relationOfArg });
    if (mode === 'o' || mode === 'b' || mode === 't') outputs.set(name, { name, type, hasDefault: false });
  });
  const defaults = Number(row.n_defaults ?? 0);
  inputs.forEach((arg, index) => {
    arg.hasDefault = index >= inputs.length - defaults;
  });
  const returnType = String(row.return_type);
  const typtype = String(row.return_typtype);
  const relation = byOid.get(String(row.return_relid));
  let returnKind: DbFunction['returnKind'] = 'scalar';
  if (returnType === 'void') returnKind = 'void';
  else if (typtype === 'c' || (returnType === 'record' && outputs.size > 0)) returnKind = 'composite';
  const fn: DbFunction = {
    schema: String(row.schema),
    name: String(row.name),
    args: inputs,
    returnsSet: Boolean(row.returns_set),
    returnKind,
    returnType,
    returnColumns: relation ? relation.columns : outputs,
    singleRow: Boolean(row.single_row),
    volatility: row.volatility === 'i' || row.volatility === 's' ? row.volatility : 'v',
  };
  if (relation && ['r', 'v', 'm', 'f', 'p'].includes(relation.kind)) fn.returnRelation = { schema: relation.schema, name: relation.name };
  return fn;
}
