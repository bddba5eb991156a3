import { PgrstError } from './errors.ts';
import { filterSql } from './filters.ts';
import { fieldSql, ident, outputName, table, type Params, type ReadSource } from './fragments.ts';
import type { NodeModifiers, OrderTerm, SelectItem } from './parse.ts';
import { findRelationship, type Relationship } from './relations.ts';
import type { Column, SchemaCache } from './schema.ts';

/** Query tree -> SQL: one level per embed, joined laterally, with Postgres building the JSON. */

export interface ReadOptions {
  cache: SchemaCache;
  modifiers: Map<string, NodeModifiers>;
  /** Top-level row cap (PostgREST max-rows); undefined for no top-level limit (mutations). */
  maxRows?: number;
}

interface BuiltEmbed {
  name: string;
  lateral: string;
  /** What the parent selects: the embed's json under its name, or a spread's columns. */
  columnSql: string;
  /** True when the embed matched (a to-one row exists, a to-many array is non-empty). */
  presentSql: string;
  relationship: Relationship;
}

export interface BuiltLevel {
  columns: string[];
  joins: string[];
  where: string[];
  /** Joins the WHERE clause needs (for !inner and embed null filters), for count queries. */
  whereJoins: string[];
  orderBy: string[];
  /** Set when an embed selects `count`: the other selected expressions become the GROUP BY. */
  groupBy?: string[];
  limit?: number;
  offset?: number;
}

/** `rel(count)` in an embed counts the related rows, as in supabase-js's documented `instruments(count)`. */
function isEmbedCount(item: SelectItem, source: ReadSource, path: string[]): boolean {
  return item.type === 'column' && path.length > 0 && item.field.name === 'count' && item.field.path.length === 0 && !item.cast && !source.columns.has('count');
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
  const level: BuiltLevel = { columns: [], joins: [], where: [], whereJoins: [], orderBy: [] };
  const embeds = new Map<string, BuiltEmbed>();
  const plain: string[] = [];
  for (const item of select) {
    if (item.type === 'star') {
      level.columns.push(`${alias}.*`);
      plain.push(`${alias}.*`);
    } else if (isEmbedCount(item, source, path) && item.type === 'column') {
      level.columns.push(`count(*) as ${ident(item.alias ?? 'count')}`);
      level.groupBy = [];
    } else if (item.type === 'column') {
      const expression = fieldSql(params, source, alias, item.field);
      const typed = item.cast ? `cast(${expression} as ${item.cast})` : expression;
      level.columns.push(`${typed} as ${ident(item.alias ?? outputName(item.field))}`);
      plain.push(typed);
    } else {
      const embed = buildEmbed(params, options, source, alias, item, path, used);
      embeds.set(embed.name, embed);
      level.joins.push(embed.lateral);
      // `rel()` only filters (with !inner or rel=is.null); PostgREST leaves it out of the output.
      if (item.select.length > 0) level.columns.push(embed.columnSql);
      if (item.inner) {
        level.where.push(embed.presentSql);
        level.whereJoins.push(embed.lateral);
      }
    }
  }
  for (const filter of modifiers.filters) {
    level.where.push(filterSql(params, source, alias, filter, embeds, level));
  }
  level.orderBy = modifiers.order.map((term) => orderSql(params, source, alias, term, embeds));
  if (level.groupBy) {
    if (plain.includes(`${alias}.*`) || embeds.size > 0) {
      throw new PgrstError(400, 'PGRST100', `failed to parse select parameter: "count" cannot be combined with "*" or embeds in '${path.join('.')}'`);
    }
    level.groupBy = plain;
  }
  if (modifiers.limit !== undefined) level.limit = modifiers.limit;
  if (modifiers.offset !== undefined) level.offset = modifiers.offset;
  if (path.length === 0 && options.maxRows !== undefined) {
    level.limit = Math.min(level.limit ?? options.maxRows, options.maxRows);
  }
  return level;
}

function buildEmbed(
  params: Params,
  options: ReadOptions,
  source: ReadSource,
  parentAlias: string,
  item: Extract<SelectItem, { type: 'embed' }>,
  path: string[],
  used: Set<string>,
): BuiltEmbed {
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
  const child: ReadSource = {
    fromSql: table(relationship.target.schema, relationship.target.name),
    label: relationship.target.name,
    columns: relationship.target.columns,
    relation: relationship.target,
  };
  if (item.spread && !relationship.toOne) {
    throw new PgrstError(400, 'PGRST127', 'Feature not implemented', `A spread of '${item.target}' from '${source.label}' (a to-many relationship) is not supported here`);
  }
  const level = buildLevel(params, options, child, childAlias, item.select.length === 0 ? [] : item.select, [...path, name], used);
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
  const inner = levelSql({ ...level, where: [...join, ...level.where] }, child.fromSql, childAlias, relationship.toOne ? 1 : undefined);
  if (item.spread) {
    // A marker column tells a missing row from a row of nulls; the parent selects the named columns only.
    const spreadInner = levelSql({ ...level, columns: [...level.columns, 'true as "pgrst_present"'], where: [...join, ...level.where] }, child.fromSql, childAlias, 1);
    const names = spreadColumnNames(item.select, relationship.target.columns);
    return {
      name,
      lateral: `left join lateral (${spreadInner}) as ${lateralAlias} on true`,
      columnSql: names.map((column) => `${lateralAlias}.${ident(column)}`).join(', '),
      presentSql: `${lateralAlias}."pgrst_present" is not null`,
      relationship,
    };
  }
  const value = relationship.toOne
    ? `select row_to_json(_row) as v from (${inner}) as _row`
    : `select coalesce(json_agg(_row), '[]'::json) as v from (${inner}) as _row`;
  return {
    name,
    lateral: `left join lateral (${value}) as ${lateralAlias} on true`,
    columnSql: `${lateralAlias}.v as ${ident(name)}`,
    presentSql: relationship.toOne ? `${lateralAlias}.v is not null` : `json_array_length(${lateralAlias}.v) > 0`,
    relationship,
  };
}

/** `select … from source as alias joins where … order by … limit … offset …`. */
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

/** `select count(*) from source where …` with only the joins the filters need. */
export function countSql(level: BuiltLevel, fromSql: string, alias: string): string {
  let sql = `select count(*)::int8 as total from ${fromSql} as ${alias}`;
  if (level.whereJoins.length > 0) sql += ` ${level.whereJoins.join(' ')}`;
  if (level.where.length > 0) sql += ` where ${level.where.join(' and ')}`;
  return sql;
}

export function checkUsedModifiers(modifiers: Map<string, NodeModifiers>, used: Set<string>): void {
  for (const [key, value] of modifiers) {
    const empty = value.filters.length === 0 && value.order.length === 0 && value.limit === undefined && value.offset === undefined;
    if (!used.has(key) && !empty) {
      throw new PgrstError(400, 'PGRST108', `'${key}' is not an embedded resource in this request`, null, `Verify that '${key}' is included in the 'select' query parameter.`);
    }
  }
}

/** Output names of a spread's select list, in order (its columns surface in the parent). */
function spreadColumnNames(select: SelectItem[], columns: Map<string, Column>): string[] {
  return select.flatMap((item) => {
    if (item.type === 'star') return [...columns.keys()];
    if (item.type === 'column') return [item.alias ?? outputName(item.field)];
    return item.spread ? [] : [item.alias ?? item.target];
  });
}

function orderSql(params: Params, source: ReadSource, alias: string, term: OrderTerm, embeds: Map<string, BuiltEmbed>): string {
  let sql: string;
  if (term.relation === undefined) {
    sql = fieldSql(params, source, alias, term.field);
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
    const related: ReadSource = { fromSql: table(relationship.target.schema, relationship.target.name), label: relationship.target.name, columns: relationship.target.columns, relation: relationship.target };
    const relatedAlias = params.alias('o');
    const join = relationship.pairs.map(([parentColumn, childColumn]) => `${relatedAlias}.${ident(childColumn)} = ${alias}.${ident(parentColumn)}`);
    sql = `(select ${fieldSql(params, related, relatedAlias, term.field)} from ${related.fromSql} as ${relatedAlias} where ${join.join(' and ')} limit 1)`;
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
