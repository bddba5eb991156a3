/**
 * postgres_changes filters (`col=op.value`, comma = AND, optional `not.`), as realtime-js'
 * RealtimePostgresFilterBuilder writes them, turned into parameterised SQL over a row alias.
 */
export type FilterOperator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'like' | 'ilike' | 'match' | 'imatch' | 'is' | 'isdistinct';

export interface FilterCondition {
  column: string;
  operator: FilterOperator;
  negate: boolean;
  /** A list for `in`, one value otherwise. */
  value: string | string[];
}

const OPERATORS = new Set<string>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct']);
const COMPARISONS: Partial<Record<FilterOperator, string>> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const TEXT_MATCHES: Partial<Record<FilterOperator, string>> = { like: 'like', ilike: 'ilike', match: '~', imatch: '~*' };
const IS_VALUES: Record<string, string> = { null: 'null', true: 'true', false: 'false', unknown: 'unknown' };

export class FilterError extends Error {}

/** Splits on `sep` outside double quotes and parentheses. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < text.length) current += text[++i] as string;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === sep && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

export function parseFilter(filter: string | undefined | null): FilterCondition[] {
  if (filter === undefined || filter === null || filter.trim() === '') return [];
  return splitTopLevel(filter, ',').map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new FilterError(`invalid filter "${part}"`);
    const column = part.slice(0, eq).trim();
    let rest = part.slice(eq + 1);
    let negate = false;
    if (rest.startsWith('not.')) {
      negate = true;
      rest = rest.slice(4);
    }
    const dot = rest.indexOf('.');
    const operator = dot < 0 ? '' : rest.slice(0, dot);
    if (!OPERATORS.has(operator)) throw new FilterError(`invalid filter operator in "${part}"`);
    const raw = rest.slice(dot + 1);
    if (operator === 'in') {
      if (!raw.startsWith('(') || !raw.endsWith(')')) throw new FilterError(`invalid in list in "${part}"`);
      const items = splitTopLevel(raw.slice(1, -1), ',').map((item) => unquote(item.trim()));
      if (items.length === 0) throw new FilterError(`empty in list in "${part}"`);
      return { column, operator, negate, value: items };
    }
    if (operator === 'is' && !(raw.toLowerCase() in IS_VALUES)) throw new FilterError(`invalid is value in "${part}"`);
    return { column, operator: operator as FilterOperator, negate, value: unquote(raw) };
  });
}

/** Columns a filter reads, to check them against the table before accepting a join. */
export function filterColumns(conditions: FilterCondition[]): string[] {
  return [...new Set(conditions.map((c) => c.column))];
}

/**
 * SQL boolean for the conditions over `alias`; values are appended to `params` ($n placeholders,
 * typed by Postgres from the column). A NULL comparison counts as no match, as in Supabase.
 */
export function filterSql(conditions: FilterCondition[], alias: string, params: unknown[]): string {
  if (conditions.length === 0) return 'true';
  const parts = conditions.map((condition) => {
    const column = `${alias}.${quoteIdent(condition.column)}`;
    const param = () => {
      params.push(condition.value);
      return `$${params.length}`;
    };
    let sql: string;
    if (condition.operator === 'in') sql = `${column} = any(${param()})`;
    else if (condition.operator === 'is') sql = `${column} is ${IS_VALUES[String(condition.value).toLowerCase()] ?? 'null'}`;
    else if (condition.operator === 'isdistinct') sql = `${column} is distinct from ${param()}`;
    else if (TEXT_MATCHES[condition.operator]) sql = `${column}::text ${TEXT_MATCHES[condition.operator]} ${param()}`;
    else sql = `${column} ${COMPARISONS[condition.operator] ?? '='} ${param()}`;
    return condition.negate ? `not (${sql})` : `(${sql})`;
  });
  return `coalesce(${parts.join(' and ')}, false)`;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
