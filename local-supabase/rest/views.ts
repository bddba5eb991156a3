import type { ForeignKey, Relation } from './schema.ts';

/** Views inherit their base tables' keys, as PostgREST infers them, so embedding works through views too. */

export interface ViewColumnOrigin {
  column: string;
  tableOid: string;
  attnum: number;
}

/**
 * The view columns that are plain columns of a table, read from the view's `_RETURN` rule
 * (`pg_rewrite.ev_action`): each top-level TARGETENTRY carries `:resorigtbl` and `:resorigcol`.
 */
export function viewColumnOrigins(tree: string): ViewColumnOrigin[] {
  const list = topLevelTargetList(tree);
  const origins: ViewColumnOrigin[] = [];
  for (const entry of list) {
    const match = /:resname ((?:\\.|[^\s\\])+) :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (-?\d+) :resjunk (true|false)\}$/.exec(entry);
    if (!match || match[4] === 'true' || match[2] === '0' || match[1] === '<>') continue;
    origins.push({ column: (match[1] ?? '').replace(/\\(.)/g, '$1'), tableOid: match[2] ?? '0', attnum: Number(match[3]) });
  }
  return origins;
}

/** The `{TARGETENTRY …}` nodes of the outermost query, skipping those of subqueries. */
function topLevelTargetList(tree: string): string[] {
  let depth = 0;
  let start = -1;
  for (let index = 0; index < tree.length; index += 1) {
    const char = tree[index];
    if (char === '\\') {
      index += 1;
    } else if (char === '{') {
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
    } else if (depth === 1 && tree.startsWith(':targetList (', index)) {
      start = index + ':targetList ('.length;
      break;
    }
  }
  if (start < 0) return [];
  const entries: string[] = [];
  depth = 0;
  let entryStart = -1;
  for (let index = start; index < tree.length; index += 1) {
    const char = tree[index];
    if (char === '\\') {
      index += 1;
    } else if (char === '{') {
      if (depth === 0) entryStart = index;
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) entries.push(tree.slice(entryStart, index + 1));
    } else if (char === ')' && depth === 0) {
      break;
    }
  }
  return entries;
}

export interface ViewInfo {
  view: Relation;
  origins: ViewColumnOrigin[];
}

/** Copies of each foreign key (and of each unique key) with either end, or both, replaced by a view over it. */
export function inheritKeys(
  views: ViewInfo[],
  relationOfOid: Map<string, { relation: Relation; attnums: Map<number, string> }>,
  foreignKeys: ForeignKey[],
): ForeignKey[] {
  const oidOf = new Map<Relation, string>();
  for (const [oid, entry] of relationOfOid) oidOf.set(entry.relation, oid);
  /** Views showing all of `columns` of the relation, with the view's names for them. */
  const exposing = (relation: Relation | undefined, columns: string[]): Array<{ view: Relation; columns: string[] }> => {
    const oid = relation ? oidOf.get(relation) : undefined;
    const attnums = oid ? relationOfOid.get(oid)?.attnums : undefined;
    if (!oid || !attnums) return [];
    const found: Array<{ view: Relation; columns: string[] }> = [];
    for (const { view, origins } of views) {
      const mapped = columns.map((column) => origins.find((origin) => origin.tableOid === oid && attnums.get(origin.attnum) === column)?.column);
      if (mapped.every((column): column is string => column !== undefined)) found.push({ view, columns: mapped });
    }
    return found;
  };
  const byName = new Map<string, Relation>();
  for (const { relation } of relationOfOid.values()) byName.set(`${relation.schema}.${relation.name}`, relation);
  for (const { view } of views) {
    for (const base of new Set(viewBases(view, views))) {
      for (const unique of base.uniques) {
        for (const match of exposing(base, unique).filter((candidate) => candidate.view === view)) {
          view.uniques.push(match.columns);
          if (base.primaryKey.join() === unique.join() && view.primaryKey.length === 0) view.primaryKey = match.columns;
        }
      }
    }
  }
  const all = [...foreignKeys];
  const seen = new Set(all.map(keyOf));
  // Views over views take a second pass; three cover any sensible nesting.
  for (let pass = 0; pass < 3; pass += 1) {
    const added: ForeignKey[] = [];
    for (const fk of all) {
      const sources = exposing(byName.get(`${fk.schema}.${fk.table}`), fk.columns);
      const targets = exposing(byName.get(`${fk.refSchema}.${fk.refTable}`), fk.refColumns);
      const variants: ForeignKey[] = [
        ...sources.map((source) => ({ ...fk, schema: source.view.schema, table: source.view.name, columns: source.columns })),
        ...targets.map((target) => ({ ...fk, refSchema: target.view.schema, refTable: target.view.name, refColumns: target.columns })),
        ...sources.flatMap((source) =>
          targets.map((target) => ({
            ...fk,
            schema: source.view.schema,
            table: source.view.name,
            columns: source.columns,
            refSchema: target.view.schema,
            refTable: target.view.name,
            refColumns: target.columns,
          })),
        ),
      ];
      for (const variant of variants) {
        if (seen.has(keyOf(variant))) continue;
        seen.add(keyOf(variant));
        added.push(variant);
      }
    }
    if (added.length === 0) break;
    all.push(...added);
  }
  return all;

  function viewBases(view: Relation, infos: ViewInfo[]): Relation[] {
    const origins = infos.find((info) => info.view === view)?.origins ?? [];
    return origins.map((origin) => relationOfOid.get(origin.tableOid)?.relation).filter((base): base is Relation => base !== undefined);
  }
}

function keyOf(fk: ForeignKey): string {
  return JSON.stringify([fk.name, fk.schema, fk.table, fk.columns, fk.refSchema, fk.refTable, fk.refColumns]);
}
