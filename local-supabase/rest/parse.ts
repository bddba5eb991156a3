import { PgrstError, parseError } from './errors.ts';
import { OPERATORS, parseCondition, parseLogicValue, splitTopLevel, unquote, type FilterNode } from './parseFilter.ts';
import { parseSelect, parseField, type Field, type SelectItem } from './parseSelect.ts';

export type { Field, JsonStep, SelectItem } from './parseSelect.ts';
export { OPERATORS, splitTopLevel, unquote, type Condition, type FilterNode, type Logic, type Operator } from './parseFilter.ts';

/** Pure parsing of one PostgREST request (URL + headers) into a query tree. Throws only PgrstError. */

export interface OrderTerm {
  /** `order=author(name)`: order parents by a column of a to-one embed. */
  relation?: string;
  field: Field;
  direction?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

/** Filters and modifiers of one level: the root (path []) or an embed (path = aliases/names). */
export interface NodeModifiers {
  filters: FilterNode[];
  order: OrderTerm[];
  limit?: number;
  offset?: number;
}

export interface Preferences {
  return?: 'minimal' | 'representation' | 'headers-only';
  count?: 'exact' | 'planned' | 'estimated';
  resolution?: 'merge-duplicates' | 'ignore-duplicates';
  missing?: 'default' | 'null';
  tx?: 'commit' | 'rollback';
  paramsSingleObject?: boolean;
  handling?: 'strict' | 'lenient';
  /** With handling=strict: refuse (and roll back) a PATCH/DELETE touching more rows. */
  maxAffected?: number;
  applied: string[];
}

export interface ParsedRequest {
  method: string;
  target: { kind: 'table' | 'rpc'; name: string };
  /** Schema asked for by Accept-Profile / Content-Profile, or null for the default. */
  profile: string | null;
  select: SelectItem[];
  /** Keyed by the embed path joined with '.', '' for the root. */
  modifiers: Map<string, NodeModifiers>;
  columns?: string[];
  onConflict?: string[];
  prefer: Preferences;
  singular: boolean;
  stripNulls: boolean;
  /** `Accept: text/csv`: the body is CSV with a header line. */
  csv: boolean;
  /** `Accept: application/vnd.pgrst.plan[+text|+json]`: answer with the query's EXPLAIN instead of running it. */
  plan?: ExplainRequest;
  /** RPC arguments taken from the query string (GET/HEAD RPC). */
  rpcArgs: Map<string, string>;
}

export interface ExplainRequest {
  format: 'text' | 'json';
  /** The media type whose query is explained (`for="application/json"`). */
  for: string;
  /** EXPLAIN options: analyze, verbose, settings, buffers, wal. */
  options: string[];
}

export interface RawRequest {
  method: string;
  /** Path after `/rest/v1`, e.g. `/leads` or `/rpc/enqueue_leads`. */
  path: string;
  params: Array<[string, string]>;
  headers: Record<string, string>;
}

const RESERVED = new Set(['select', 'columns', 'on_conflict', 'order', 'limit', 'offset', 'and', 'or']);

const FILTER_VALUE = new RegExp(`^(not\\.)?(${OPERATORS.join('|')})(\\([^)]*\\))?\\.`);

/** Query parameters that are neither modifiers nor filters (`col=op.value`): RPC argument names, as PostgREST's qsParams. */
export function candidateArgKeys(params: Array<[string, string]>): string[] {
  return params.filter(([key, value]) => !RESERVED.has(key) && !key.includes('.') && !FILTER_VALUE.test(value)).map(([key]) => key);
}

export function parseTarget(path: string): { kind: 'table' | 'rpc'; name: string } {
  const parts = path.split('/').filter((part) => part !== '');
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new PgrstError(404, 'PGRST125', `Invalid path specified in request URL`);
    }
  };
  if (parts.length === 1 && parts[0] !== undefined) return { kind: 'table', name: decode(parts[0]) };
  if (parts.length === 2 && parts[0] === 'rpc' && parts[1] !== undefined) return { kind: 'rpc', name: decode(parts[1]) };
  throw new PgrstError(404, 'PGRST125', 'Invalid path specified in request URL');
}

export function parseRequest(raw: RawRequest, argNames: ReadonlySet<string> = new Set()): ParsedRequest {
  const method = raw.method.toUpperCase();
  const target = parseTarget(raw.path);
  const headers = raw.headers;
  const readLike = method === 'GET' || method === 'HEAD';
  const profile = (readLike ? headers['accept-profile'] : headers['content-profile']) ?? null;
  const request: ParsedRequest = {
    method,
    target,
    profile: profile === null ? null : profile.trim(),
    select: [{ type: 'star' }],
    modifiers: new Map(),
    prefer: parsePrefer(headers['prefer']),
    ...parseAccept(headers['accept']),
    rpcArgs: new Map(),
  };
  const level = (path: string[]): NodeModifiers => {
    const key = path.join('.');
    let found = request.modifiers.get(key);
    if (!found) {
      found = { filters: [], order: [] };
      request.modifiers.set(key, found);
    }
    return found;
  };
  for (const [key, value] of raw.params) {
    if (key === 'select') {
      request.select = parseSelect(value);
      continue;
    }
    if (key === 'columns') {
      request.columns = splitColumnList(value, 'columns');
      continue;
    }
    if (key === 'on_conflict') {
      request.onConflict = splitColumnList(value, 'on_conflict');
      continue;
    }
    if (argNames.has(key) && !FILTER_VALUE.test(value)) {
      request.rpcArgs.set(key, value);
      continue;
    }
    const parts = key.split('.');
    const last = parts[parts.length - 1] ?? '';
    const negatedLogic = parts.length >= 2 && parts[parts.length - 2] === 'not' && (last === 'and' || last === 'or');
    if (negatedLogic || last === 'and' || last === 'or') {
      const path = parts.slice(0, negatedLogic ? -2 : -1);
      level(path).filters.push(parseLogicValue(last as 'and' | 'or', negatedLogic, value));
      continue;
    }
    if (last === 'order' || last === 'limit' || last === 'offset') {
      const node = level(parts.slice(0, -1));
      if (last === 'order') node.order.push(...parseOrder(value));
      else node[last] = parseNonNegative(last, value);
      continue;
    }
    // `rel.col=eq.1` filters the embed `rel`; json paths never contain dots, so the last part is the field.
    const path = parts.slice(0, -1);
    if (path.some((part) => part === '')) throw parseError(`failed to parse filter key (${key})`);
    level(path).filters.push(parseCondition(parseField(last), value));
  }
  applyRangeHeader(request, headers['range']);
  return request;
}

/** `Range: 0-9` (items) pages a read like offset/limit; explicit query parameters win. */
function applyRangeHeader(request: ParsedRequest, header: string | undefined): void {
  const match = header === undefined ? null : /^(?:items=)?(\d{1,9})-(\d{0,9})$/.exec(header.trim());
  if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return;
  const first = Number(match[1]);
  const last = match[2] === '' || match[2] === undefined ? undefined : Number(match[2]);
  if (last !== undefined && last < first) {
    throw new PgrstError(416, 'PGRST103', 'Requested range not satisfiable', 'The lower boundary must be lower than or equal to the upper boundary in the Range header.');
  }
  let root = request.modifiers.get('');
  if (!root) {
    root = { filters: [], order: [] };
    request.modifiers.set('', root);
  }
  root.offset ??= first;
  if (last !== undefined) root.limit ??= last - first + 1;
}

function parseNonNegative(name: string, value: string): number {
  if (name === 'limit' && /^-\d{1,9}$/.test(value)) {
    throw new PgrstError(416, 'PGRST103', 'Requested range not satisfiable', 'Limit should be greater than or equal to zero.');
  }
  if (!/^\d{1,9}$/.test(value)) throw parseError(`failed to parse ${name} parameter (${value})`, 'expecting a non-negative integer');
  return Number(value);
}

function splitColumnList(value: string, name: string): string[] {
  const columns = splitTopLevel(value, ',').map((part) => unquote(part.trim()));
  if (columns.length === 0 || columns.some((column) => column === '')) {
    throw parseError(`failed to parse ${name} parameter (${value})`);
  }
  return columns;
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefer: Preferences = { applied: [] };
  if (!header) return prefer;
  const invalid: string[] = [];
  for (const part of header.split(',')) {
    if (part.trim() === '') continue;
    const [rawKey, rawValue] = part.split('=', 2).map((piece) => piece.trim());
    const value = rawValue ?? '';
    const applied = `${rawKey}=${value}`;
    if (rawKey === 'return' && (value === 'minimal' || value === 'representation' || value === 'headers-only')) {
      prefer.return = value;
    } else if (rawKey === 'count' && (value === 'exact' || value === 'planned' || value === 'estimated')) {
      prefer.count = value;
    } else if (rawKey === 'resolution' && (value === 'merge-duplicates' || value === 'ignore-duplicates')) {
      prefer.resolution = value;
    } else if (rawKey === 'missing' && (value === 'default' || value === 'null')) {
      prefer.missing = value;
    } else if (rawKey === 'tx' && (value === 'commit' || value === 'rollback')) {
      prefer.tx = value;
    } else if (rawKey === 'params' && value === 'single-object') {
      prefer.paramsSingleObject = true;
    } else if (rawKey === 'handling' && (value === 'strict' || value === 'lenient')) {
      prefer.handling = value;
    } else if (rawKey === 'max-affected' && /^\d{1,9}$/.test(value)) {
      prefer.maxAffected = Number(value);
    } else {
      invalid.push(part.trim());
      continue;
    }
    prefer.applied.push(applied);
  }
  if (prefer.handling === 'strict' && invalid.length > 0) {
    throw new PgrstError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${invalid.join(', ')}`);
  }
  if (prefer.handling !== 'strict') delete prefer.maxAffected;
  return prefer;
}

const EXPLAIN_OPTIONS = new Set(['analyze', 'verbose', 'settings', 'buffers', 'wal']);

function parseExplain(type: string, params: string[]): ExplainRequest | null {
  const match = /^application\/vnd\.pgrst\.plan(?:\+(text|json))?$/.exec(type);
  if (!match) return null;
  const value = (name: string) => params.find((param) => param.startsWith(`${name}=`))?.slice(name.length + 1).replace(/^"|"$/g, '');
  const options = (value('options') ?? '').split('|').filter((option) => option !== '');
  if (options.some((option) => !EXPLAIN_OPTIONS.has(option))) return null;
  return { format: (match[1] as 'text' | 'json' | undefined) ?? 'text', for: value('for') ?? 'application/json', options };
}

function parseAccept(header: string | undefined): { singular: boolean; stripNulls: boolean; csv: boolean; plan?: ExplainRequest } {
  if (!header) return { singular: false, stripNulls: false, csv: false };
  for (const entry of header.split(',')) {
    const [type = '', ...params] = entry.split(';').map((piece) => piece.trim().toLowerCase());
    const plan = parseExplain(type, params);
    if (plan) {
      const singular = plan.for.startsWith('application/vnd.pgrst.object');
      return { singular, stripNulls: false, csv: plan.for === 'text/csv', plan };
    }
    const stripNulls = params.includes('nulls=stripped');
    if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
      return { singular: true, stripNulls, csv: false };
    }
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/vnd.pgrst.array+json') {
      return { singular: false, stripNulls, csv: false };
    }
    if (type === 'text/csv') return { singular: false, stripNulls: false, csv: true };
  }
  throw new PgrstError(406, 'PGRST107', `None of these media types are available: ${header}`);
}

function parseOrder(value: string): OrderTerm[] {
  return splitTopLevel(value, ',').map((term) => {
    const pieces = term.split('.');
    const [fieldText = '', ...mods] = pieces;
    const related = /^([^()]+)\(([^()]+)\)$/.exec(fieldText);
    const order: OrderTerm = related ? { relation: related[1] ?? '', field: parseField(related[2] ?? '') } : { field: parseField(fieldText) };
    for (const mod of mods) {
      if ((mod === 'asc' || mod === 'desc') && order.direction === undefined && order.nulls === undefined) order.direction = mod;
      else if ((mod === 'nullsfirst' || mod === 'nullslast') && order.nulls === undefined) order.nulls = mod === 'nullsfirst' ? 'first' : 'last';
      else throw parseError(`failed to parse order (${value})`, `unexpected "${mod}" expecting "asc", "desc", "nullsfirst" or "nullslast"`);
    }
    return order;
  });
}

