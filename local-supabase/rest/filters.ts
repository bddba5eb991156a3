import { PgrstError } from './errors.ts';
import { fieldSql, type Params, type ReadSource } from './fragments.ts';
import type { Condition, FilterNode } from './parse.ts';

/** Filters -> WHERE conditions; every value is a bind parameter, every operator comes from a fixed table. */

/** What a filter needs to know of an embed at its level, for `rel=is.null`. */
export interface FilterEmbed {
  lateral: string;
  presentSql: string;
}

const COMPARE: Record<string, string> = {
  eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'like', ilike: 'ilike', match: '~', imatch: '~*',
  cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxr: '&<', nxl: '&>', adj: '-|-',
};
const TSQUERY: Record<string, string> = { fts: 'to_tsquery', plfts: 'plainto_tsquery', phfts: 'phraseto_tsquery', wfts: 'websearch_to_tsquery' };

export function filterSql(
  params: Params,
  source: ReadSource,
  alias: string,
  node: FilterNode,
  embeds: Map<string, FilterEmbed>,
  level: { whereJoins: string[] },
): string {
  if (node.type === 'logic') {
    const joined = node.children.map((child) => filterSql(params, source, alias, child, embeds, level)).join(node.op === 'and' ? ' and ' : ' or ');
    return node.negate ? `not (${joined})` : `(${joined})`;
  }
  const embed = node.field.path.length === 0 && !source.columns.has(node.field.name) ? embeds.get(node.field.name) : undefined;
  if (embed) {
    // `rel=is.null` / `rel=not.is.null` filters parents by whether the embed matched.
    if (node.op !== 'is' || (node.value !== 'null' && node.value !== 'not_null')) {
      throw new PgrstError(400, 'PGRST120', `Bad operator on the '${node.field.name}' embedded resource`, 'Only is null or not is null filters are allowed on embedded resources');
    }
    level.whereJoins.push(embed.lateral);
    const present = embed.presentSql;
    const wantsNull = (node.value === 'null') !== node.negate;
    return wantsNull ? `not (${present})` : `(${present})`;
  }
  const sql = conditionSql(params, fieldSql(source, alias, node.field), node);
  return node.negate ? `not (${sql})` : sql;
}

function conditionSql(params: Params, expression: string, condition: Condition): string {
  const { op, value } = condition;
  if (op === 'in') return `${expression} = any(${params.add(value)})`;
  if (op === 'is') {
    const keyword = { null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' }[String(value)] ?? 'null';
    return `${expression} is ${keyword}`;
  }
  if (op === 'isdistinct') return `${expression} is distinct from ${params.add(value)}`;
  const tsquery = TSQUERY[op];
  if (tsquery) {
    const config = condition.ftsConfig ? `${params.add(condition.ftsConfig)}::regconfig, ` : '';
    return `${expression} @@ ${tsquery}(${config}${params.add(value)})`;
  }
  const operator = COMPARE[op] ?? '=';
  if (condition.quantifier) return `${expression} ${operator} ${condition.quantifier}(${params.add(value)})`;
  return `${expression} ${operator} ${params.add(value)}`;
}

