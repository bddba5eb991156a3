import { PgrstError } from './errors.ts';
import { filterSql } from './filters.ts';
import { fieldSql, ident, outputName, relationSource, table, type Params, type ReadSource } from './fragments.ts';
import type { NodeModifiers, OrderTerm, SelectItem } from './parse.ts';
import type { Aggregate } from './parseSelect.ts';
import { findRelationship, type Relationship } from './relations.ts';
import type { SchemaCache } from './schema.ts';

/** Query tree -> SQL: one level per embed, joined laterally, with Postgres building the JSON. */

export interface ReadOptions {
  cache: SchemaCache;
  modifiers: Map<string, NodeModifiers>;
  /** Top-level row cap (PostgREST max-rows); undefined for no top-level limit (mutations). */
  maxRows?: number;
}

type EmbedItem = Extract<SelectItem, { type: 'embed' }>;
type ColumnItem = Extract<SelectItem, { type: 'column' }>;

interface BuiltEmbed {
  name: string;
  lateral: string;
  /** What the parent selects: the embed's json under its name, or a spread's columns. */
  columns: OutputColumn[];
  /** True when the embed matched (a to-one row exists, a to-many array is non-empty). */
  presentSql: string;
  relationship: Relationship;
}

/** One expression of a level's select list; `group` says whether it is a GROUP BY key when the level aggregates. */
interface OutputColumn {
  sql: string;
  name: string;
  aggregate: boolean;
  /** The expression to group by (json is compared as text); absent for aggregates. */
  group?: string;
}

export interface BuiltLevel {
  columns: string[];
  joins: string[];
  where: string[];
  /** Joins the WHERE clause needs (for !inner and embed null filters), for count queries. */
  whereJoins: string[];
  orderBy: string[];
  /** Set when the level aggregates: the plain expressions it groups by. */
  groupBy?: string[];
  /** The output names of the select list, in order (a spread surfaces them in its parent). */
  names: string[];
  limit?: number;
  offset?: number;
}

/** `rel(count)` in an embed counts the related rows, as in supabase-js's documented `instruments(count)`. */
function isLegacyCount(item: SelectItem, source: ReadSource, path: string[]): boolean {
  return item.type === 'column' && !item.aggregate && path.length > 0 && item.field.name === 'count' && item.field.path.length === 0 && !item.cast && !source.columns.has('count');
}

function aggregateSql(source: ReadSource, alias: string, item: ColumnItem, aggregate: Aggregate): string {
  let input: string;
  if (item.field.name === '*') input = '*';
  else {
    const expression = fieldSql(source, alias, item.field);
    input = item.cast ? `cast(${expression} as ${item.cast})` : expression;
  }
  const call = `${aggregate.fn}(${input})`;
  return aggregate.cast ? `cast(${call} as ${aggregate.cast})` : call;
}

/** Builds one level (root or embed) of a read: select list, lateral embeds, filters, order, limits. */
export function buildLevel(
  params: Params,
  options: ReadOptions,
  source: ReadSource,
  alias: string,
  select: SelectItem[],
  path: string[],
  used: Set<string>,
): BuiltLevel {
  const key = path.join('.');
  used.add(key);
  const modifiers = options.modifiers.get(key) ?? { filters: [], order: [] };
  const level: BuiltLevel = { columns: [], joins: [], where: [], whereJoins: [], orderBy: [], names: [] };
  const embeds = new Map<string, BuiltEmbed>();
  const outputs: OutputColumn[] = [];
  const aggregates = select.some((item) => item.type === 'column' && item.aggregate);
  if (aggregates && !options.cache.settings.aggregatesEnabled) throw new PgrstError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
  for (const item of select) {
    if (item.type === 'star') {
      // With aggregates the star becomes the columns it stands for: each is a grouping key.
      if (aggregates) for (const column of source.columns.keys()) outputs.push(plain(`${alias}.${ident(column)}`, column));
      else outputs.push({ sql: `${alias}.*`, name: '*', aggregate: false, group: `${alias}.*` });
    } else if (item.type === 'column' && item.aggregate) {
      outputs.push({ sql: aggregateSql(source, alias, item, item.aggregate), name: item.alias ?? item.aggregate.fn, aggregate: true });
    } else if (isLegacyCount(item, source, path) && item.type === 'column') {
      outputs.push({ sql: 'count(*)', name: item.alias ?? 'count', aggregate: true });
    } else if (item.type === 'column') {
      const expression = fieldSql(source, alias, item.field);
      outputs.push(plain(item.cast ? `cast(${expression} as ${item.cast})` : expression, item.alias ?? outputName(item.field)));
    } else {
      const embed = buildEmbed(params, options, source, alias, item, path, used);
      embeds.set(embed.name, embed);
      level.joins.push(embed.lateral);
      // `rel()` only filters (with !inner or rel=is.null); PostgREST leaves it out of the output.
      if (item.select.length > 0) outputs.push(...embed.columns);
      if (item.inner) {
        level.where.push(embed.presentSql);
        level.whereJoins.push(embed.lateral);
      }
    }
  }
  for (const filter of modifiers.filters) {
    level.where.push(filterSql(params, source, alias, filter, embeds, level));
  }
  level.orderBy = modifiers.order.map((term) => orderSql(params, options, source, alias, term, embeds));
  level.names = outputs.map((output) => output.name);
  if (outputs.some((output) => output.aggregate)) {
    if (outputs.some((output) => output.name === '*' && !output.aggregate)) {
      throw new PgrstError(400, 'PGRST100', `failed to parse select parameter: "count" cannot be combined with "*" in '${path.join('.')}'`);
    }
    level.groupBy = outputs.flatMap((output) => (output.aggregate || output.group === undefined ? [] : [output.group]));
    // A grouped embed is one value per group: any of its (identical) rows.
    level.columns = outputs.map((output) => (output.aggregate || output.group === output.sql ? asName(output) : `any_value(${output.sql}) as ${ident(output.name)}`));
  } else {
    level.columns = outputs.map(asName);
  }
  if (modifiers.limit !== undefined) level.limit = modifiers.limit;
  if (modifiers.offset !== undefined) level.offset = modifiers.offset;
  if (path.length === 0 && options.maxRows !== undefined) {
    level.limit = Math.min(level.limit ?? options.maxRows, options.maxRows);
  }
  return level;
}

const plain = (sql: string, name: string): OutputColumn => ({ sql, name, aggregate: false, group: sql });
const asName = (output: OutputColumn): string => (output.name === '*' ? output.sql : `${output.sql} as ${ident(output.name)}`);

/** The child source of an embed, and the conditions that tie its rows to the parent row. */
function embedSource(params: Params, options: ReadOptions, source: ReadSource, parentAlias: string, relationship: Relationship, childAlias: string): { child: ReadSource; join: string[] } {
  const { target } = relationship;
  if (relationship.computed) {
    // A computed relationship is a function of the parent's row; its rows need no join condition.
    const { fn } = relationship.computed;
    const child = relationSource(options.cache, target, `${table(fn.schema, fn.name)}(${source.rowSql(parentAlias)})`, target.name);
    return { child, join: [] };
  }
  const child = relationSource(options.cache, target);
  const join = relationship.pairs.map(([parentColumn, childColumn]) => `${childAlias}.${ident(childColumn)} = ${parentAlias}.${ident(parentColumn)}`);
  if (relationship.junction) {
    const { relation: junction, toParent, toTarget } = relationship.junction;
    const junctionAlias = params.alias('j');
    const links = [
      ...toParent.map(([own, other]) => `${junctionAlias}.${ident(own)} = ${parentAlias}.${ident(other)}`),
      ...toTarget.map(([own, other]) => `${junctionAlias}.${ident(own)} = ${childAlias}.${ident(other)}`),
    ];
    join.push(`exists (select 1 from ${table(junction.schema, junction.name)} as ${junctionAlias} where ${links.join(' and ')})`);
  }
  return { child, join };
}

function buildEmbed(params: Params, options: ReadOptions, source: ReadSource, parentAlias: string, item: EmbedItem, path: string[], used: Set<string>): BuiltEmbed {
  if (item.select.length === 0 && /(^|\.)(count|sum|avg|min|max)$/.test(item.target)) {
    throw new PgrstError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
  }
  if (!source.relation) {
    throw new PgrstError(400, 'PGRST200', `Could not find a relationship between '${source.label}' and '${item.target}' in the schema cache`);
  }
  const relationship = findRelationship(options.cache, source.relation, item.target, item.hint);
  const name = item.alias ?? item.target;
  const childAlias = params.alias('t');
  const lateralAlias = params.alias('e');
  const { child, join } = embedSource(params, options, source, parentAlias, relationship, childAlias);
  const embedPath = [...path, name];
  if (item.spread) return spreadEmbed(params, options, { child, childAlias, lateralAlias, join, embedPath, used }, item, relationship, name);
  const level = buildLevel(params, options, child, childAlias, item.select, embedPath, used);
  const inner = levelSql({ ...level, where: [...join, ...level.where] }, child.fromSql, childAlias, relationship.toOne ? 1 : undefined);
  const value = relationship.toOne
    ? `select row_to_json(_row) as v from (${inner}) as _row`
    : `select coalesce(json_agg(_row), '[]'::json) as v from (${inner}) as _row`;
  return {
    name,
    lateral: `left join lateral (${value}) as ${lateralAlias} on true`,
    columns: [{ sql: `${lateralAlias}.v`, name, aggregate: false, group: `${lateralAlias}.v::text` }],
    presentSql: relationship.toOne ? `${lateralAlias}.v is not null` : `json_array_length(${lateralAlias}.v) > 0`,
    relationship,
  };
}

interface SpreadParts {
  child: ReadSource;
  childAlias: string;
  lateralAlias: string;
  join: string[];
  embedPath: string[];
  used: Set<string>;
}

/**
 * `...rel(cols)`: a to-one relation's columns surface in the parent; a to-many one's become arrays of values
 * (PostgREST 13). An aggregate inside a to-one spread is hoisted: the parent applies it over its own groups.
 */
function spreadEmbed(params: Params, options: ReadOptions, parts: SpreadParts, item: EmbedItem, relationship: Relationship, name: string): BuiltEmbed {
  const { child, childAlias, lateralAlias } = parts;
  const hoisted = new Map<string, Aggregate & { star: boolean }>();
  const select = item.select.flatMap((entry): SelectItem[] => {
    if (entry.type === 'star') return [...child.columns.keys()].map((column) => ({ type: 'column', field: { name: column, path: [] } }));
    if (entry.type !== 'column' || !entry.aggregate) return [entry];
    const hidden = `pgrst_agg_${hoisted.size + 1}`;
    hoisted.set(hidden, { ...entry.aggregate, star: entry.field.name === '*' });
    if (entry.field.name === '*') return [];
    return [{ type: 'column', field: entry.field, alias: hidden, ...(entry.cast ? { cast: entry.cast } : {}) }];
  });
  if (hoisted.size > 0 && !options.cache.settings.aggregatesEnabled) throw new PgrstError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
  if (hoisted.size > 0 && !relationship.toOne) {
    throw new PgrstError(400, 'PGRST127', 'Feature not implemented', `Aggregates in a spread of '${item.target}' (a to-many relationship) are not supported, as in PostgREST`);
  }
  const level = buildLevel(params, options, child, childAlias, select, parts.embedPath, parts.used);
  const where = [...parts.join, ...level.where];
  if (!relationship.toOne) {
    const inner = levelSql({ ...level, where }, child.fromSql, childAlias);
    const arrays = level.names.map((column) => `coalesce(json_agg(_row.${ident(column)}), '[]'::json) as ${ident(column)}`);
    return {
      name,
      lateral: `left join lateral (select count(*) > 0 as "pgrst_present", ${arrays.join(', ')} from (${inner}) as _row) as ${lateralAlias} on true`,
      columns: level.names.map((column) => ({ sql: `${lateralAlias}.${ident(column)}`, name: column, aggregate: false, group: `${lateralAlias}.${ident(column)}::text` })),
      presentSql: `${lateralAlias}."pgrst_present"`,
      relationship,
    };
  }
  // A marker column tells a missing row from a row of nulls.
  const inner = levelSql({ ...level, where, columns: [...level.columns, 'true as "pgrst_present"'] }, child.fromSql, childAlias, 1);
  const columns: OutputColumn[] = level.names.flatMap((column): OutputColumn[] => {
    if (hoisted.has(column)) return [];
    const sql = `${lateralAlias}.${ident(column)}`;
    return [{ sql, name: column, aggregate: false, group: sql }];
  });
  for (const [hidden, aggregate] of hoisted) {
    const call = `${aggregate.fn}(${lateralAlias}.${ident(aggregate.star ? 'pgrst_present' : hidden)})`;
    columns.push({ sql: aggregate.cast ? `cast(${call} as ${aggregate.cast})` : call, name: aliasOf(item, hidden, hoisted) ?? aggregate.fn, aggregate: true });
  }
  return { name, lateral: `left join lateral (${inner}) as ${lateralAlias} on true`, columns, presentSql: `${lateralAlias}."pgrst_present" is not null`, relationship };
}

/** The name a hoisted aggregate takes in the parent: the alias written for it, else the function's name. */
function aliasOf(item: EmbedItem, hidden: string, hoisted: Map<string, Aggregate & { star: boolean }>): string | undefined {
  const position = [...hoisted.keys()].indexOf(hidden);
  const written = item.select.filter((entry): entry is ColumnItem => entry.type === 'column' && entry.aggregate !== undefined)[position];
  return written?.alias;
}

/** `select … from source as alias joins where … group by … order by … limit … offset …`. */
export function levelSql(level: BuiltLevel, fromSql: string, alias: string, forcedLimit?: number): string {
  const columns = level.columns.length > 0 ? level.columns.join(', ') : '';
  let sql = `select ${columns} from ${fromSql} as ${alias}`;
  if (level.joins.length > 0) sql += ` ${level.joins.join(' ')}`;
  if (level.where.length > 0) sql += ` where ${level.where.join(' and ')}`;
  if (level.groupBy && level.groupBy.length > 0) sql += ` group by ${level.groupBy.join(', ')}`;
  if (level.orderBy.length > 0) sql += ` order by ${level.orderBy.join(', ')}`;
  const limit = forcedLimit ?? level.limit;
  if (limit !== undefined) sql += ` limit ${Number(limit)}`;
  if (level.offset !== undefined) sql += ` offset ${Number(level.offset)}`;
  return sql;
}

/** The rows a count counts: the level's filters with only the joins they need (for planned counts, explained). */
export function filteredSql(level: BuiltLevel, fromSql: string, alias: string): string {
  let sql = `select 1 from ${fromSql} as ${alias}`;
  if (level.whereJoins.length > 0) sql += ` ${level.whereJoins.join(' ')}`;
  if (level.where.length > 0) sql += ` where ${level.where.join(' and ')}`;
  return sql;
}

/** `select count(*) from source where …`; a grouped level counts its groups, as PostgREST counts result rows. */
export function countSql(level: BuiltLevel, fromSql: string, alias: string): string {
  if (level.groupBy) return `select count(*)::int8 as total from (${levelSql({ ...level, orderBy: [], limit: undefined, offset: undefined }, fromSql, alias)}) as _g`;
  return `select count(*)::int8 as total from (${filteredSql(level, fromSql, alias)}) as _c`;
}

export function checkUsedModifiers(modifiers: Map<string, NodeModifiers>, used: Set<string>): void {
  for (const [key, value] of modifiers) {
    const empty = value.filters.length === 0 && value.order.length === 0 && value.limit === undefined && value.offset === undefined;
    if (!used.has(key) && !empty) {
      throw new PgrstError(400, 'PGRST108', `'${key}' is not an embedded resource in this request`, null, `Verify that '${key}' is included in the 'select' query parameter.`);
    }
  }
}

function orderSql(params: Params, options: ReadOptions, source: ReadSource, alias: string, term: OrderTerm, embeds: Map<string, BuiltEmbed>): string {
  let sql: string;
  if (term.relation === undefined) {
    sql = fieldSql(source, alias, term.field);
  } else {
    const embed = embeds.get(term.relation);
    if (!embed) {
      throw new PgrstError(400, 'PGRST108', `'${term.relation}' is not an embedded resource in this request`, null, `Verify that '${term.relation}' is included in the 'select' query parameter.`);
    }
    const { relationship } = embed;
    if (!relationship.toOne) {
      throw new PgrstError(400, 'PGRST118', `A related order on '${term.relation}' is not possible`, `'${source.label}' and '${term.relation}' do not form a many-to-one or one-to-one relationship`);
    }
    // A correlated lookup of the one related row, so the order uses the column's own type.
    const relatedAlias = params.alias('o');
    const related = embedSource(params, options, source, alias, relationship, relatedAlias);
    const where = related.join.length > 0 ? ` where ${related.join.join(' and ')}` : '';
    sql = `(select ${fieldSql(related.child, relatedAlias, term.field)} from ${related.child.fromSql} as ${relatedAlias}${where} limit 1)`;
  }
  if (term.direction) sql += ` ${term.direction}`;
  if (term.nulls) sql += ` nulls ${term.nulls}`;
  return sql;
}

/** Wraps a level query so Postgres builds the JSON body and counts the page. */
export function pageSql(inner: string, format: { stripNulls: boolean; csv: boolean }, totalSql?: string): string {
  const total = totalSql ? `(${totalSql})` : 'null::int8';
  if (format.csv) {
    // As PostgREST: a header from the first row's keys, then each record's text form without its parentheses.
    const header = `(select coalesce(string_agg(k, ','), '') from (select json_object_keys(row_to_json(_h)) as k from (select * from (${inner}) as _f limit 1) as _h) as _k)`;
    const lines = `coalesce(string_agg(substring(_s::text, 2, length(_s::text) - 2), chr(10)), '')`;
    return `select count(*)::int8 as page_count, ${total} as total, ${header} || chr(10) || ${lines} as body from (${inner}) as _s`;
  }
  const rows = format.stripNulls ? `json_strip_nulls(row_to_json(_s))` : `_s`;
  return `select count(*)::int8 as page_count, ${total} as total, coalesce(json_agg(${rows}), '[]'::json)::text as body from (${inner}) as _s`;
}
