import { PgrstError } from './errors.ts';
import { qualified, type ForeignKey, type Relation, type SchemaCache } from './schema.ts';

export interface Relationship {
  cardinality: 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';
  toOne: boolean;
  target: Relation;
  /** [parent column, embedded column] pairs that must be equal (empty for many-to-many). */
  pairs: Array<[string, string]>;
  foreignKey: ForeignKey;
  /** Many-to-many: the junction table and its [junction column, parent/target column] pairs. */
  junction?: { relation: Relation; toParent: Array<[string, string]>; toTarget: Array<[string, string]>; targetKey: ForeignKey };
}

/** Finds the one foreign key that links `parent` to the embed `target` (table, FK name or FK column), as PostgREST does. */
export function findRelationship(cache: SchemaCache, parent: Relation, target: string, hint: string | undefined): Relationship {
  const candidates: Relationship[] = [];
  for (const fk of cache.foreignKeys) {
    if (fk.schema === parent.schema && fk.table === parent.name) {
      const other = cache.relations.get(qualified(fk.refSchema, fk.refTable));
      const named = other?.name === target || fk.name === target || (fk.columns.length === 1 && fk.columns[0] === target);
      if (other && named) {
        candidates.push({
          cardinality: 'many-to-one',
          toOne: true,
          target: other,
          pairs: fk.columns.map((column, index): [string, string] => [column, fk.refColumns[index] ?? '']),
          foreignKey: fk,
        });
      }
    }
    if (fk.refSchema === parent.schema && fk.refTable === parent.name) {
      const other = cache.relations.get(qualified(fk.schema, fk.table));
      if (other && (other.name === target || fk.name === target)) {
        const unique = other.uniques.some((columns) => sameSet(columns, fk.columns));
        candidates.push({
          cardinality: unique ? 'one-to-one' : 'one-to-many',
          toOne: unique,
          target: other,
          pairs: fk.refColumns.map((column, index): [string, string] => [column, fk.columns[index] ?? '']),
          foreignKey: fk,
        });
      }
    }
  }
  candidates.push(...manyToMany(cache, parent, target));
  const matching = hint === undefined ? candidates : candidates.filter((candidate) => matchesHint(candidate, hint));
  const [only] = matching;
  if (matching.length === 1 && only) return only;
  if (matching.length === 0) {
    throw new PgrstError(
      400,
      'PGRST200',
      `Could not find a relationship between '${parent.name}' and '${target}' in the schema cache`,
      `Searched for a foreign key relationship between '${parent.name}' and '${hint === undefined ? target : `${target}' using the hint '${hint}`}' in the schema '${parent.schema}', but no matches were found.`,
    );
  }
  throw new PgrstError(
    300,
    'PGRST201',
    `Could not embed because more than one relationship was found for '${parent.name}' and '${target}'`,
    matching.map((candidate) => ({
      cardinality: candidate.cardinality,
      embedding: `${parent.name} with ${candidate.target.name}`,
      relationship: candidate.junction
        ? `${candidate.junction.relation.name} using ${candidate.foreignKey.name}(${candidate.foreignKey.columns.join(', ')}) and ${candidate.junction.targetKey.name}(${candidate.junction.targetKey.columns.join(', ')})`
        : `${candidate.foreignKey.name} using ${candidate.foreignKey.table}(${candidate.foreignKey.columns.join(', ')}) and ${candidate.foreignKey.refTable}(${candidate.foreignKey.refColumns.join(', ')})`,
    })),
    `Try changing '${target}' to one of the following: ${matching.map((candidate) => `'${target}!${candidate.junction ? candidate.junction.relation.name : candidate.foreignKey.name}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  );
}

function matchesHint(candidate: Relationship, hint: string): boolean {
  if (candidate.junction) return candidate.junction.relation.name === hint;
  const fk = candidate.foreignKey;
  return fk.name === hint || fk.columns.includes(hint) || fk.refColumns.includes(hint) || candidate.target.name === hint;
}

/** Junction tables whose primary key holds a foreign key to the parent and one to the target (many-to-many). */
function manyToMany(cache: SchemaCache, parent: Relation, target: string): Relationship[] {
  const found: Relationship[] = [];
  const byTable = new Map<string, ForeignKey[]>();
  for (const fk of cache.foreignKeys) byTable.set(qualified(fk.schema, fk.table), [...(byTable.get(qualified(fk.schema, fk.table)) ?? []), fk]);
  for (const [key, keys] of byTable) {
    const junction = cache.relations.get(key);
    if (!junction || (junction.schema === parent.schema && junction.name === parent.name)) continue;
    for (const toParent of keys) {
      if (toParent.refSchema !== parent.schema || toParent.refTable !== parent.name) continue;
      for (const toTarget of keys) {
        if (toTarget === toParent || toTarget.refTable !== target) continue;
        // As PostgREST: a junction's two foreign keys must both lie within its primary key.
        if (![...toParent.columns, ...toTarget.columns].every((column) => junction.primaryKey.includes(column))) continue;
        const other = cache.relations.get(qualified(toTarget.refSchema, toTarget.refTable));
        if (!other || other === junction) continue;
        found.push({
          cardinality: 'many-to-many',
          toOne: false,
          target: other,
          pairs: [],
          foreignKey: toParent,
          junction: {
            relation: junction,
            toParent: toParent.columns.map((column, index): [string, string] => [column, toParent.refColumns[index] ?? '']),
            toTarget: toTarget.columns.map((column, index): [string, string] => [column, toTarget.refColumns[index] ?? '']),
            targetKey: toTarget,
          },
        });
      }
    }
  }
  return found;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((column) => b.includes(column));
}
