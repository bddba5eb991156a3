import { parseError } from './errors.ts';

/** `->` keeps json, `->>` gives text; a numeric key is an array index. */
export interface JsonStep {
  op: '->' | '->>';
  key: string | number;
}

export interface Field {
  name: string;
  path: JsonStep[];
}

export const AGGREGATES = ['avg', 'count', 'max', 'min', 'sum'] as const;
export type AggregateName = (typeof AGGREGATES)[number];

/** `amount.sum()`, `amount::int.avg()::int`, `count()`: the function, and the cast of its result. */
export interface Aggregate {
  fn: AggregateName;
  cast?: string;
}

export type SelectItem =
  | { type: 'star' }
  | { type: 'column'; field: Field; alias?: string; cast?: string; aggregate?: Aggregate }
  | {
      type: 'embed';
      target: string;
      alias?: string;
      hint?: string;
      inner: boolean;
      spread: boolean;
      select: SelectItem[];
    };

const STOP = new Set([',', '(', ')', ':', '!', '"']);
const CAST = /^[a-z_][a-z0-9_]*( [a-z_][a-z0-9_]*)*(\[\])?$/;

class Cursor {
  position = 0;
  constructor(readonly text: string) {}
  peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }
  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.position);
  }
  done(): boolean {
    return this.position >= this.text.length;
  }
  fail(expected: string): never {
    const found = this.done() ? 'end of input' : `"${this.peek()}"`;
    throw parseError(
      `"failed to parse select parameter (${this.text})" (line 1, column ${this.position + 1})`,
      `unexpected ${found} expecting ${expected}`,
    );
  }
}

export function parseSelect(text: string): SelectItem[] {
  const cursor = new Cursor(text);
  if (text.trim() === '') return [{ type: 'star' }];
  const items = parseList(cursor, 0);
  if (!cursor.done()) cursor.fail('"," or end of input');
  return items;
}

function parseList(cursor: Cursor, depth: number): SelectItem[] {
  if (depth > 16) cursor.fail('less nesting');
  const items: SelectItem[] = [];
  for (;;) {
    if (cursor.peek() === ')' && depth > 0 && items.length === 0) return items;
    items.push(parseItem(cursor, depth));
    if (cursor.peek() !== ',') return items;
    cursor.position += 1;
  }
}

function parseItem(cursor: Cursor, depth: number): SelectItem {
  skipSpaces(cursor);
  if (cursor.peek() === '*') {
    cursor.position += 1;
    skipSpaces(cursor);
    return { type: 'star' };
  }
  let spread = readSpread(cursor);
  let alias: string | undefined;
  let name = readName(cursor);
  if (cursor.peek() === ':' && cursor.peek(1) !== ':') {
    if (spread) cursor.fail('a relationship name after "..."');
    cursor.position += 1;
    alias = name;
    spread = readSpread(cursor);
    name = readName(cursor);
  }
  const plainAggregate = !spread && cursor.startsWith('()') ? splitAggregate(name) : undefined;
  if (plainAggregate) return aggregateItem(cursor, { name: plainAggregate.field, path: [] }, plainAggregate.fn, alias);
  if (cursor.peek() === '!' || cursor.peek() === '(') {
    let hint: string | undefined;
    let inner = false;
    while (cursor.peek() === '!') {
      cursor.position += 1;
      const word = readName(cursor);
      if (word === 'inner') inner = true;
      else if (word === 'left') inner = false;
      else if (hint === undefined) hint = word;
      else cursor.fail('"inner" or "left"');
    }
    if (cursor.peek() !== '(') cursor.fail('"("');
    cursor.position += 1;
    const select = parseList(cursor, depth + 1);
    if (cursor.peek() !== ')') cursor.fail('")"');
    cursor.position += 1;
    skipSpaces(cursor);
    return { type: 'embed', target: name, inner, spread, select, ...(alias === undefined ? {} : { alias }), ...(hint === undefined ? {} : { hint }) };
  }
  if (spread) cursor.fail('"(" after a spread relationship');
  const path = readJsonPath(cursor);
  const cast = readCast(cursor);
  if (cursor.peek() === '.') {
    cursor.position += 1;
    const fn = readName(cursor);
    if (!(AGGREGATES as readonly string[]).includes(fn) || !cursor.startsWith('()')) cursor.fail('an aggregate function: avg(), count(), max(), min() or sum()');
    return aggregateItem(cursor, { name, path }, fn as AggregateName, alias, cast);
  }
  skipSpaces(cursor);
  return {
    type: 'column',
    field: { name, path },
    ...(alias === undefined ? {} : { alias }),
    ...(cast === undefined ? {} : { cast }),
  };
}

/** The `()` of an aggregate, then the optional cast of its result. */
function aggregateItem(cursor: Cursor, field: Field, fn: AggregateName, alias: string | undefined, inputCast?: string): SelectItem {
  cursor.position += 2;
  const outputCast = readCast(cursor);
  skipSpaces(cursor);
  return {
    type: 'column',
    field,
    aggregate: { fn, ...(outputCast === undefined ? {} : { cast: outputCast }) },
    ...(alias === undefined ? {} : { alias }),
    ...(inputCast === undefined ? {} : { cast: inputCast }),
  };
}

/** `amount.sum` read as one name, when `()` follows; `count` alone counts rows (`*`). */
function splitAggregate(name: string): { field: string; fn: AggregateName } | undefined {
  const match = /^(?:(.+)\.)?(avg|count|max|min|sum)$/.exec(name);
  if (!match) return undefined;
  if (match[1] === undefined) return match[2] === 'count' ? { field: '*', fn: 'count' } : undefined;
  return { field: match[1], fn: match[2] as AggregateName };
}

/** `::type` after a column, a json path or an aggregate; a type name never contains `.`, `,` or `)`. */
function readCast(cursor: Cursor): string | undefined {
  if (!cursor.startsWith('::')) return undefined;
  cursor.position += 2;
  const start = cursor.position;
  while (!cursor.done() && cursor.peek() !== ',' && cursor.peek() !== ')' && cursor.peek() !== '.') cursor.position += 1;
  const cast = cursor.text.slice(start, cursor.position).trim().toLowerCase();
  if (!CAST.test(cast)) {
    cursor.position = start;
    cursor.fail('a type name');
  }
  return cast;
}

function readSpread(cursor: Cursor): boolean {
  if (!cursor.startsWith('...')) return false;
  cursor.position += 3;
  return true;
}

function skipSpaces(cursor: Cursor): void {
  while (cursor.peek() === ' ') cursor.position += 1;
}

/** A quoted name (`"a b"`, `\` escapes) or a run of plain characters up to a delimiter or `->`/`::`. */
function readName(cursor: Cursor): string {
  skipSpaces(cursor);
  if (cursor.peek() === '"') {
    cursor.position += 1;
    let name = '';
    while (!cursor.done() && cursor.peek() !== '"') {
      if (cursor.peek() === '\\') cursor.position += 1;
      name += cursor.peek();
      cursor.position += 1;
    }
    if (cursor.peek() !== '"') cursor.fail('a closing double quote');
    cursor.position += 1;
    if (name === '') cursor.fail('a name');
    skipSpaces(cursor);
    return name;
  }
  const start = cursor.position;
  while (!cursor.done() && !STOP.has(cursor.peek()) && !cursor.startsWith('->')) cursor.position += 1;
  const name = cursor.text.slice(start, cursor.position).trim();
  if (name === '') cursor.fail('a field name');
  return name;
}

function readJsonPath(cursor: Cursor): JsonStep[] {
  const path: JsonStep[] = [];
  while (cursor.startsWith('->')) {
    const op = cursor.startsWith('->>') ? '->>' : '->';
    cursor.position += op.length;
    const wasQuoted = cursor.peek() === '"';
    const start = cursor.position;
    let key = wasQuoted ? readName(cursor) : '';
    if (!wasQuoted) {
      while (!cursor.done() && !STOP.has(cursor.peek()) && !cursor.startsWith('->') && !cursor.startsWith('::')) {
        cursor.position += 1;
      }
      key = cursor.text.slice(start, cursor.position);
      if (key === '') cursor.fail('a json key');
    }
    path.push({ op, key: !wasQuoted && /^-?\d{1,9}$/.test(key) ? Number(key) : key });
  }
  return path;
}

/** A filter or order field: `col` or `col->a->>b`. */
export function parseField(text: string): Field {
  const cursor = new Cursor(text);
  const name = readName(cursor);
  const path = readJsonPath(cursor);
  if (!cursor.done()) cursor.fail('"->", "->>" or end of field');
  return { name, path };
}
