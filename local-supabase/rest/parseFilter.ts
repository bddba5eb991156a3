import { parseError } from './errors.ts';
import { parseField, type Field } from './parseSelect.ts';

/** Filter values: `[not.]op[(modifier)].value` and nested `or=(…)` / `and=(…)` trees. Throws only PgrstError. */

export const OPERATORS = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct', 'in',
  'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'fts', 'plfts', 'phfts', 'wfts',
] as const;
export type Operator = (typeof OPERATORS)[number];
const QUANTIFIABLE = new Set<Operator>(['eq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);
const FTS = new Set<Operator>(['fts', 'plfts', 'phfts', 'wfts']);

export interface Condition {
  type: 'cond';
  field: Field;
  negate: boolean;
  op: Operator;
  /** A list for `in`; otherwise the raw value (`*` already turned into `%` for like/ilike). */
  value: string | string[];
  quantifier?: 'any' | 'all';
  ftsConfig?: string;
}
export interface Logic {
  type: 'logic';
  op: 'and' | 'or';
  negate: boolean;
  children: FilterNode[];
}
export type FilterNode = Condition | Logic;

/** `[not.]op[(modifier)].value` for one field. */
export function parseCondition(field: Field, text: string, inLogic = false): Condition {
  let rest = text;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const match = /^([a-z]+)(?:\(([^)]*)\))?\.([\s\S]*)$/.exec(rest);
  if (!match) throw parseError(`failed to parse filter (${text})`, 'unexpected end of input expecting operator (eq, gt, ...)');
  const [, opText = '', modifier, valueText = ''] = match;
  if (!(OPERATORS as readonly string[]).includes(opText)) {
    throw parseError(`failed to parse filter (${text})`, `unknown operator "${opText}"`);
  }
  const op = opText as Operator;
  const condition: Condition = { type: 'cond', field, negate, op, value: '' };
  if (modifier !== undefined) {
    if ((modifier === 'any' || modifier === 'all') && QUANTIFIABLE.has(op)) condition.quantifier = modifier;
    else if (FTS.has(op) && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(modifier)) condition.ftsConfig = modifier;
    else throw parseError(`failed to parse filter (${text})`, `unexpected modifier "${modifier}"`);
  }
  const value = inLogic ? unquote(valueText) : valueText;
  if (op === 'in') {
    if (!valueText.startsWith('(') || !valueText.endsWith(')')) {
      throw parseError(`failed to parse filter (${text})`, 'expecting a list in parentheses: in.(a,b)');
    }
    const inner = valueText.slice(1, -1);
    condition.value = inner === '' ? [] : splitTopLevel(inner, ',').map(unquote);
    return condition;
  }
  if (op === 'is') {
    const lower = value.toLowerCase();
    if (!['null', 'not_null', 'true', 'false', 'unknown'].includes(lower)) {
      throw parseError(`failed to parse filter (${text})`, 'expecting null, not_null, true, false or unknown after "is"');
    }
    condition.value = lower;
    return condition;
  }
  if (condition.quantifier && !(value.startsWith('{') && value.endsWith('}'))) {
    throw parseError(`failed to parse filter (${text})`, 'expecting a list in braces: {a,b}');
  }
  condition.value = op === 'like' || op === 'ilike' ? value.replaceAll('*', '%') : value;
  return condition;
}

/** `or=(a.eq.1,and(b.gt.2,b.lt.5))`: the value of a logic key, parentheses included. */
export function parseLogicValue(op: 'and' | 'or', negate: boolean, value: string): Logic {
  if (!value.startsWith('(') || !value.endsWith(')')) {
    throw parseError(`failed to parse logic tree (${value})`, 'expecting "(" and ")" around the conditions');
  }
  return { type: 'logic', op, negate, children: parseLogicChildren(value.slice(1, -1), value, 1) };
}

/** Deeper trees would only exhaust a stack, ours or Postgres's (a 500 instead of a 400). */
const MAX_LOGIC_DEPTH = 32;

function parseLogicChildren(inner: string, whole: string, depth: number): FilterNode[] {
  if (depth > MAX_LOGIC_DEPTH) throw parseError(`failed to parse logic tree (${whole})`, `more than ${MAX_LOGIC_DEPTH} nested levels`);
  const parts = splitTopLevel(inner, ',');
  if (parts.length === 0 || parts.some((part) => part === '')) throw parseError(`failed to parse logic tree (${whole})`);
  return parts.map((part): FilterNode => {
    const nested = /^(not\.)?(and|or)\(([\s\S]*)\)$/.exec(part);
    if (nested) {
      return { type: 'logic', op: nested[2] as 'and' | 'or', negate: nested[1] !== undefined, children: parseLogicChildren(nested[3] ?? '', whole, depth + 1) };
    }
    const dot = part.indexOf('.');
    if (dot <= 0) throw parseError(`failed to parse logic tree (${whole})`, `expecting field.operator.value in "${part}"`);
    return parseCondition(parseField(part.slice(0, dot)), part.slice(dot + 1), true);
  });
}

/** Splits on `separator` outside parentheses, braces and double quotes (`\` escapes inside quotes). */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] ?? '';
    if (quoted) {
      current += char;
      if (char === '\\' && index + 1 < text.length) {
        current += text[index + 1] ?? '';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      }
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === '(' || char === '{' || char === '[') depth += 1;
    else if (char === ')' || char === '}' || char === ']') depth = Math.max(0, depth - 1);
    else if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted) throw parseError(`failed to parse (${text})`, 'unterminated double quote');
  parts.push(current);
  return text === '' ? [] : parts;
}

/** `"a,b"` -> `a,b` with `\"` and `\\` unescaped; anything else as is. */
export function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return text;
}
