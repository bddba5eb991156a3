import { PgrstError } from './errors.ts';
import { qualified, type ComputedMember, type ForeignKey, type Relation, type SchemaCache } from './schema.ts';

export interface Relationship {
  cardinality: 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';
  toOne: boolean;
  target: Relation;
  /** [parent column, embedded column] pairs that must be equal (empty for many-to-many and computed). */
  pairs: Array<[string, string]>;
  /** Absent for a computed relationship. */
  foreignKey?: ForeignKey;
  /** A foreign key from a relation to itself: one key, two relationships (parent and children). */
  self: boolean;
  /** Many-to-many: the junction table and its [junction column, parent/target column] pairs. */
  junction?: { relation: Relation; toParent: Array<[string, string]>; toTarget: Array<[string, string]>; targetKey: ForeignKey };
  /** A function of the parent's row returning the target's rows (PostgREST's computed relationship). */
  computed?: ComputedMember;
}

const isView = (relation: Relation) => relation.kind === 'v' || relation.kind === 'm';

/** Every relationship from `parent`: both directions of each foreign key, junctions, and computed ones. */
function relationshipsOf(cache: SchemaCache, parent: Relation): Relationship[] {
  const found: Relationship[] = [];
  for (const fk of cache.foreignKeys) {
    const self = fk.schema === fk.refSchema && fk.table === fk.refTable;
    if (fk.schema === parent.schema && fk.table === parent.name) {
      const other = cache.relations.get(qualified(fk.refSchema, fk.refTable));
      if (other) {
        const unique = parent.uniques.some((columns) => sameSet(columns, fk.columns));
        const pairs = fk.columns.map((column, index): [string, string] => [column, fk.refColumns[index] ?? '']);
        found.push({ cardinality: unique && !self ? 'one-to-one' : 'many-to-one', toOne: true, target: other, pairs, foreignKey: fk, self });
      }
    }
    if (fk.refSchema === parent.schema && fk.refTable === parent.name) {
      const other = cache.relations.get(qualified(fk.schema, fk.table));
      if (other) {
        const unique = other.uniques.some((columns) => sameSet(columns, fk.columns));
        const pairs = fk.refColumns.map((column, index): [string, string] => [column, fk.columns[index] ?? '']);
        found.push({ cardinality: unique && !self ? 'one-to-one' : 'one-to-many', toOne: unique && !self, target: other, pairs, foreignKey: fk, self });
      }
    }
  }
  found.push(...manyToMany(cache, parent));
  const computed = (cache.computed.get(qualified(parent.schema, parent.name)) ?? []).flatMap((member): Relationship[] => {
    const target = member.fn.returnRelation ? cache.relations.get(qualified(member.fn.returnRelation.schema, member.fn.returnRelation.name)) : undefined;
    if (!target) return [];
    const toOne = !member.fn.returnsSet || member.fn.singleRow;
    return [{ cardinality: toOne ? 'many-to-one' : 'one-to-many', toOne, target, pairs: [], self: false, computed: member }];
  });
  // A computed relationship named like a related table replaces the relationships to that table (PostgREST's override).
  const overridden = new Set(computed.map((relationship) => relationship.computed?.fn.name));
  return [...found.filter((relationship) => !(relationship.target.schema === parent.schema && overridden.has(relationship.target.name))), ...computed];
}

/** Single-column key sides: the parent's column (`col`) and the embedded one (`fcol`), as PostgREST's matchers read them. */
function singleColumns(relationship: Relationship): { col?: string; fcol?: string } {
  const [pair] = relationship.pairs;
  return relationship.pairs.length === 1 && pair ? { col: pair[0], fcol: pair[1] } : {};
}

/** PostgREST's findRel: which relationships `target` (and `hint`) name. */
function matches(relationship: Relationship, target: string, hint: string | undefined): boolean {
  if (relationship.computed) return relationship.computed.fn.name === target;
  const { col, fcol } = singleColumns(relationship);
  const oneToMany = relationship.cardinality === 'one-to-many';
  const manyToOne = relationship.cardinality === 'many-to-one';
  if (relationship.self) {
    // One key, two relationships: the table name gives the children, the key column the parent.
    if (hint === undefined) return (relationship.target.name === target && oneToMany) || (col === target && manyToOne);
    return relationship.target.name === target && oneToMany && fcol === hint;
  }
  const constraint = relationship.junction ? undefined : relationship.foreignKey?.name;
  if (hint === undefined) {
    if (relationship.target.name === target) return true;
    // A constraint or column names the relationship only when the embedded relation is not a view.
    if (isView(relationship.target) || relationship.junction) return false;
    return constraint === target || col === target;
  }
  if (relationship.target.name !== target) return false;
  if (relationship.junction) return relationship.junction.relation.name === hint;
  return constraint === hint || col === hint || fcol === hint;
}

/** Finds the one relationship that links `parent` to the embed `target` (table, FK name, FK column or function), as PostgREST does. */
export function findRelationship(cache: SchemaCache, parent: Relation, target: string, hint: string | undefined): Relationship {
  const matching = relationshipsOf(cache, parent).filter((relationship) => matches(relationship, target, hint));
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
    matching.map((candidate) => ({ cardinality: candidate.cardinality, embedding: `${parent.name} with ${candidate.target.name}`, relationship: describe(candidate) })),
    `Try changing '${target}' to one of the following: ${matching.map((candidate) => `'${target}!${hintFor(candidate)}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  );
}

function describe(candidate: Relationship): string {
  const fk = candidate.foreignKey;
  if (candidate.computed || !fk) return `${candidate.computed?.fn.name ?? '?'} (computed)`;
  if (candidate.junction) {
    const key = candidate.junction.targetKey;
    return `${candidate.junction.relation.name} using ${fk.name}(${fk.columns.join(', ')}) and ${key.name}(${key.columns.join(', ')})`;
  }
  return `${fk.name} using ${fk.table}(${fk.columns.join(', ')}) and ${fk.refTable}(${fk.refColumns.join(', ')})`;
}

function hintFor(candidate: Relationship): string {
  return candidate.junction ? candidate.junction.relation.name : (candidate.foreignKey?.name ?? '');
}

/** Junction tables whose primary key holds a foreign key to the parent and one to another relation (many-to-many). */
function manyToMany(cache: SchemaCache, parent: Relation): Relationship[] {
  const found: Relationship[] = [];
  const byTable = new Map<string, ForeignKey[]>();
  for (const fk of cache.foreignKeys) byTable.set(qualified(fk.schema, fk.table), [...(byTable.get(qualified(fk.schema, fk.table)) ?? []), fk]);
  for (const [key, keys] of byTable) {
    const junction = cache.relations.get(key);
    if (!junction || (junction.schema === parent.schema && junction.name === parent.name)) continue;
    for (const toParent of keys) {
      if (toParent.refSchema !== parent.schema || toParent.refTable !== parent.name) continue;
      for (const toTarget of keys) {
        if (toTarget === toParent) continue;
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
          self: false,
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
