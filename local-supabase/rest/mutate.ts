import { PgrstError } from './errors.ts';
import type { NodeModifiers, ParsedRequest } from './parse.ts';
import type { Relation, SchemaCache } from './schema.ts';
import { ident, relationSource, table, type Params } from './fragments.ts';
import { buildLevel, levelSql } from './sql.ts';

/** INSERT / UPDATE / DELETE statements; the caller wraps them for `return=representation`. */

export type JsonObject = Record<string, unknown>;

export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PgrstError(400, 'PGRST102', 'Empty or invalid json', error instanceof Error ? error.message : null);
  }
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function missingColumn(relation: Relation, column: string): PgrstError {
  return new PgrstError(400, 'PGRST204', `Could not find the '${column}' column of '${relation.name}' in the schema cache`);
}

function checkColumns(relation: Relation, columns: string[]): void {
  for (const column of columns) if (!relation.columns.has(column)) throw missingColumn(relation, column);
}

/** Each statement inserts one group of rows that share their column list (several only with missing=default). */
export interface MutationStatement {
  text: string;
  params: Params;
}

/** `paramsFor` gives each statement its parameter list (one shared list when they end up in one statement). */
export function insertStatements(paramsFor: () => Params, relation: Relation, request: ParsedRequest, body: unknown): MutationStatement[] {
  const rows = Array.isArray(body) ? body : body === undefined ? [] : [body];
  if (!rows.every(isObject)) throw new PgrstError(400, 'PGRST102', 'Empty or invalid json', 'Expected a JSON object or an array of JSON objects');
  let columns = request.columns;
  if (!columns) {
    const seen = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
    columns = [...seen];
  }
  checkColumns(relation, columns);
  const groups = new Map<string, { columns: string[]; rows: JsonObject[] }>();
  for (const row of rows) {
    const present = request.prefer.missing === 'default' ? columns.filter((column) => Object.hasOwn(row, column)) : columns;
    const key = JSON.stringify(present);
    const group = groups.get(key) ?? { columns: present, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const target = table(relation.schema, relation.name);
  // Every column of the request is updated on conflict: an omitted one takes the default the insert computed (missing=default).
  const conflict = conflictClause(relation, request, columns);
  const statements: MutationStatement[] = [];
  for (const group of groups.values()) {
    if (group.columns.length === 0) {
      for (let index = 0; index < group.rows.length; index += 1) {
        statements.push({ text: `insert into ${target} as t0 default values${conflict}`, params: paramsFor() });
      }
      continue;
    }
    const params = paramsFor();
    const list = group.columns.map(ident).join(', ');
    const picked = group.columns.map((column) => `_r.${ident(column)}`).join(', ');
    const rowsParam = params.add(JSON.stringify(group.rows));
    statements.push({
      text: `insert into ${target} as t0 (${list}) select ${picked} from json_populate_recordset(null::${target}, ${rowsParam}::json) as _r${conflict}`,
      params,
    });
  }
  return statements;
}

function conflictClause(relation: Relation, request: ParsedRequest, columns: string[]): string {
  const resolution = request.prefer.resolution;
  if (!resolution) return '';
  const keys = request.onConflict ?? relation.primaryKey;
  checkColumns(relation, keys);
  if (keys.length === 0) return '';
  const target = `(${keys.map(ident).join(', ')})`;
  if (resolution === 'ignore-duplicates' || columns.length === 0) return ` on conflict ${target} do nothing`;
  return ` on conflict ${target} do update set ${columns.map((column) => `${ident(column)} = excluded.${ident(column)}`).join(', ')}`;
}

/**
 * An upsert (merge-duplicates) tells inserted rows from updated ones: a row version written by this insert has
 * no xmax. PostgREST answers 200 instead of 201 when nothing was inserted. RETURNING makes the inserted rows
 * pass the SELECT policies, as PostgREST's own RETURNING does.
 */
export function marksInserted(request: ParsedRequest): boolean {
  return request.method === 'POST' && request.prefer.resolution === 'merge-duplicates';
}

/** The WHERE of a PATCH/DELETE: root filters only; refused when empty, as pg-safeupdate does on Supabase. */
function mutationWhere(params: Params, cache: SchemaCache, relation: Relation, request: ParsedRequest, verb: 'UPDATE' | 'DELETE'): string {
  const source = relationSource(cache, relation);
  const root = request.modifiers.get('') ?? { filters: [], order: [] };
  if (root.filters.length === 0) throw new PgrstError(400, '21000', `${verb} requires a WHERE clause`);
  if (root.limit === undefined && root.offset === undefined) {
    const onlyRoot = new Map<string, NodeModifiers>([['', { filters: root.filters, order: [] }]]);
    const level = buildLevel(params, { cache, modifiers: onlyRoot }, source, 't0', [], [], new Set());
    return level.where.join(' and ');
  }
  // A limited PATCH/DELETE touches only the first rows in the requested order, picked by ctid.
  const limited = new Map<string, NodeModifiers>([['', { ...root }]]);
  const level = buildLevel(params, { cache, modifiers: limited }, source, 'pgrst_l', [], [], new Set());
  const picked = levelSql({ ...level, columns: ['pgrst_l.ctid'] }, source.fromSql, 'pgrst_l');
  return `t0.ctid = any(array(${picked}))`;
}

export function updateStatement(params: Params, cache: SchemaCache, relation: Relation, request: ParsedRequest, body: unknown): string {
  if (!isObject(body)) throw new PgrstError(400, 'PGRST102', 'Empty or invalid json', 'Expected a JSON object');
  const columns = request.columns ?? Object.keys(body);
  checkColumns(relation, columns);
  const target = table(relation.schema, relation.name);
  const where = mutationWhere(params, cache, relation, request, 'UPDATE');
  if (columns.length === 0) return `select t0.* from ${target} as t0 where ${where}`;
  const assignments = columns.map((column) => `${ident(column)} = _r.${ident(column)}`).join(', ');
  const bodyParam = params.add(JSON.stringify(body));
  return `update ${target} as t0 set ${assignments} from json_populate_record(null::${target}, ${bodyParam}::json) as _r where ${where}`;
}

export function deleteStatement(params: Params, cache: SchemaCache, relation: Relation, request: ParsedRequest): string {
  const where = mutationWhere(params, cache, relation, request, 'DELETE');
  return `delete from ${table(relation.schema, relation.name)} as t0 where ${where}`;
}

/** Modifiers for reading back mutated rows: root filters were already applied by the mutation itself. */
export function representationModifiers(request: ParsedRequest): Map<string, NodeModifiers> {
  const copy = new Map(request.modifiers);
  const root = copy.get('');
  if (root) copy.set('', { filters: [], order: root.order });
  return copy;
}

/** Adds RETURNING to a data-modifying statement: the rows, the upsert marker, or both (an empty PATCH is a select already). */
export function withReturning(sql: string, returning: { rows: boolean; inserted: boolean }): string {
  if (sql.startsWith('select ')) return sql;
  const items = [...(returning.rows ? ['t0.*'] : []), ...(returning.inserted ? ['t0.xmax = 0 as pgrst_inserted'] : [])];
  return `${sql} returning ${items.join(', ')}`;
}

/**
 * PUT: replace (or create) the one row the URL names by its whole primary key, as PostgREST's single upsert.
 * The statement inserts with `on conflict (pk) do update` every column of the body.
 */
export function putStatement(params: Params, relation: Relation, request: ParsedRequest, body: unknown): string {
  const root = request.modifiers.get('') ?? { filters: [], order: [] };
  if (root.limit !== undefined || root.offset !== undefined) {
    throw new PgrstError(400, 'PGRST114', 'limit/offset querystring parameters are not allowed for PUT');
  }
  const key = relation.primaryKey;
  const equalities = new Map<string, string>();
  for (const filter of root.filters) {
    if (filter.type === 'cond' && filter.op === 'eq' && !filter.negate && !filter.quantifier && filter.field.path.length === 0 && typeof filter.value === 'string') {
      equalities.set(filter.field.name, filter.value);
    } else {
      equalities.set('', '');
    }
  }
  if (key.length === 0 || equalities.size !== key.length || !key.every((column) => equalities.has(column))) {
    throw new PgrstError(405, 'PGRST105', "Filters must include all and only primary key columns with 'eq' operators");
  }
  if (!isObject(body)) throw new PgrstError(400, 'PGRST102', 'Empty or invalid json', 'Expected a JSON object');
  if (!key.every((column) => Object.hasOwn(body, column) && String(body[column]) === equalities.get(column))) {
    throw new PgrstError(400, 'PGRST115', 'Payload values do not match URL in primary key column(s)');
  }
  const columns = request.columns ?? Object.keys(body);
  checkColumns(relation, columns);
  const target = table(relation.schema, relation.name);
  const list = columns.map(ident).join(', ');
  const picked = columns.map((column) => `_r.${ident(column)}`).join(', ');
  const updates = columns.map((column) => `${ident(column)} = excluded.${ident(column)}`).join(', ');
  const bodyParam = params.add(JSON.stringify([body]));
  return `insert into ${target} as t0 (${list}) select ${picked} from json_populate_recordset(null::${target}, ${bodyParam}::json) as _r on conflict (${key.map(ident).join(', ')}) do update set ${updates}`;
}
