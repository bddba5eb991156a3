import { PgrstError, unknownColumn } from './errors.ts';
import type { Field } from './parse.ts';
import type { Column, Relation } from './schema.ts';

/** SQL building blocks: quoted identifiers, numbered bind parameters, and column expressions checked against the cache. */

export function ident(name: string): string {
  // A NUL would end the query text early in the wire protocol; no Postgres name contains one.
  if (name.includes('\u0000')) throw new PgrstError(400, 'PGRST100', 'failed to parse a name containing a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}
export const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

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
}

export function outputName(field: Field): string {
  const last = field.path[field.path.length - 1];
  return last === undefined ? field.name : String(last.key);
}

export function fieldSql(params: Params, source: ReadSource, alias: string, field: Field): string {
  if (!source.columns.has(field.name)) throw unknownColumn(source.label, field.name);
  let sql = `${alias}.${ident(field.name)}`;
  for (const step of field.path) {
    const key = typeof step.key === 'number' ? `${params.add(step.key)}::int` : `${params.add(step.key)}::text`;
    sql = `(${sql}${step.op}${key})`;
  }
  return sql;
}

