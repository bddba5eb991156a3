import { PgrstError, unknownColumn } from './errors.ts';
import type { Field } from './parse.ts';
import { qualified, type Column, type ComputedMember, type Relation, type SchemaCache } from './schema.ts';

/** SQL building blocks: quoted identifiers, numbered bind parameters, and column expressions checked against the cache. */

export function ident(name: string): string {
  // A NUL would end the query text early in the wire protocol; no Postgres name contains one.
  if (name.includes('\u0000')) throw new PgrstError(400, 'PGRST100', 'failed to parse a name containing a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}
export const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

/** A text literal (standard_conforming_strings: only quotes need doubling); NUL cannot travel in a query. */
export function literal(value: string): string {
  if (value.includes('\u0000')) throw new PgrstError(400, 'PGRST100', 'failed to parse a name containing a NUL character');
  return `'${value.replaceAll("'", "''")}'::text`;
}

export class Params {
  readonly values: unknown[] = [];
  private aliases = 0;
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  alias(prefix: string): string {
    this.aliases += 1;
    return `${prefix}${this.aliases}`;
  }
}

/** The rows one level of a read comes from: a relation, a CTE of mutated rows, or a function's result. */
export interface ReadSource {
  fromSql: string;
  label: string;
  columns: Map<string, Column>;
  /** Relation whose foreign keys embeds follow; null when the source cannot be embedded from. */
  relation: Relation | null;
  /** Functions of one row of the relation: computed fields (scalar results) and relationships (rows). */
  computed: ComputedMember[];
  /** The row as the relation's type, the argument of a computed member (a CTE row must be cast). */
  rowSql(alias: string): string;
}

/** A relation read directly, or through `fromSql` (a CTE or function result with its row type). */
export function relationSource(cache: SchemaCache, relation: Relation, fromSql?: string, label = relation.name): ReadSource {
  const direct = fromSql === undefined;
  return {
    fromSql: fromSql ?? table(relation.schema, relation.name),
    label,
    columns: relation.columns,
    relation,
    computed: cache.computed.get(qualified(relation.schema, relation.name)) ?? [],
    rowSql: (alias) => (direct ? alias : `row(${alias}.*)::${table(relation.schema, relation.name)}`),
  };
}

/** A computed field: a function of the row returning one value that is not a table's row. */
export function computedField(source: ReadSource, name: string): ComputedMember | undefined {
  return source.computed.find((member) => member.fn.name === name && !member.fn.returnRelation && !member.fn.returnsSet);
}

export function outputName(field: Field): string {
  const last = field.path[field.path.length - 1];
  return last === undefined ? field.name : String(last.key);
}

export function fieldSql(source: ReadSource, alias: string, field: Field): string {
  let sql: string;
  if (source.columns.has(field.name)) {
    sql = `${alias}.${ident(field.name)}`;
  } else {
    const member = computedField(source, field.name);
    if (!member) throw unknownColumn(source.label, field.name);
    sql = `${table(member.fn.schema, member.fn.name)}(${source.rowSql(alias)})`;
  }
  for (const step of field.path) {
    // Literal keys, not parameters: the same path in the select list and in ORDER or GROUP BY is then one expression.
    const key = typeof step.key === 'number' ? String(Math.trunc(step.key)) : literal(step.key);
    sql = `(${sql}${step.op}${key})`;
  }
  return sql;
}

