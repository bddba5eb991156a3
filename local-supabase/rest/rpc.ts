import { PgrstError } from './errors.ts';
import { qualified, type DbFunction, type SchemaCache } from './schema.ts';
import { ident, table, type Params } from './fragments.ts';
import { closest } from './similar.ts';

/** How the arguments arrive: a JSON object's keys, query parameters (GET), or a raw body of one media type. */
export interface CallShape {
  keys: string[];
  mode: 'body' | 'query';
  /** The request body's media type, for a function of one unnamed argument (json, text, xml, bytea). */
  contentType: string;
}

/** The unnamed argument's type a body of this media type can be (PostgREST's hasSingleUnnamedParam). */
const RAW_BODY_TYPES: Record<string, string[]> = {
  'application/json': ['json', 'jsonb'],
  'text/plain': ['text'],
  'text/xml': ['xml'],
  'application/octet-stream': ['bytea'],
};

export function mediaTypeOf(header: string | undefined): string {
  return (header ?? 'application/json').split(';')[0]?.trim().toLowerCase() || 'application/json';
}

function singleUnnamed(fn: DbFunction): boolean {
  return fn.args.length === 1 && fn.args[0]?.name === '';
}

/** PostgREST's matchesParams: every required parameter given, nothing given that is not a parameter. */
function matchesParams(fn: DbFunction, keys: Set<string>, shape: CallShape): boolean {
  if (fn.args.length === 0) return keys.size === 0 && !(shape.mode === 'body' && shape.contentType !== 'application/json');
  const required = fn.args.filter((arg) => !arg.hasDefault).map((arg) => arg.name);
  const optional = new Set(fn.args.filter((arg) => arg.hasDefault).map((arg) => arg.name));
  const rest = [...keys].filter((key) => !optional.has(key));
  return rest.length === required.length && required.every((name) => keys.has(name));
}

/**
 * PostgREST's findProc: the overloads whose parameters the keys match; failing those, the one function of a
 * single unnamed argument the body's media type fits. More than one candidate is ambiguous (300 PGRST203).
 */
export function chooseFunction(cache: SchemaCache, schema: string, name: string, shape: CallShape): DbFunction | undefined {
  const overloads = cache.functions.get(qualified(schema, name)) ?? [];
  const keys = new Set(shape.keys);
  const matched = overloads.filter((fn) => matchesParams(fn, keys, shape));
  const fallback = overloads.filter((fn) => shape.mode === 'body' && singleUnnamed(fn) && (RAW_BODY_TYPES[shape.contentType] ?? []).includes(fn.args[0]?.type ?? ''));
  const candidates = matched.length > 0 ? matched : fallback;
  if (candidates.length > 1) {
    throw new PgrstError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${candidates.map(signature).join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  return candidates[0];
}

/** 404 PGRST202, with PostgREST's "Perhaps you meant" hint: a function of another name, or this one's other arguments. */
export function functionNotFound(cache: SchemaCache, schema: string, name: string, shape: CallShape): PgrstError {
  const { keys, mode } = shape;
  const list = [...keys].sort().join(', ');
  const searched = keys.length === 0 ? ' without parameters' : ` with parameter${keys.length > 1 ? 's' : ''} ${list}`;
  const unnamed = mode === 'body' ? ` or with a single unnamed ${shape.contentType === 'application/json' ? 'json/jsonb' : (RAW_BODY_TYPES[shape.contentType] ?? ['']).join('/')} parameter` : '';
  const overloads = cache.functions.get(qualified(schema, name)) ?? [];
  let hint: string | null = null;
  if (overloads.length > 0) {
    const argumentsOf = (fn: DbFunction) => fn.args.map((arg) => arg.name).join(', ');
    const best = overloads.map((fn) => ({ fn, score: fn.args.filter((arg) => keys.includes(arg.name)).length })).sort((a, b) => b.score - a.score)[0];
    if (best) hint = `Perhaps you meant to call the function ${schema}.${name}(${argumentsOf(best.fn)})`;
  } else {
    const names = [...cache.functions.values()].flat().filter((candidate) => candidate.schema === schema).map((candidate) => candidate.name);
    const suggestion = closest(name, names);
    if (suggestion !== undefined) hint = `Perhaps you meant to call the function ${schema}.${suggestion}`;
  }
  return new PgrstError(
    404,
    'PGRST202',
    `Could not find the function ${schema}.${name}${keys.length > 0 ? `(${list})` : ' without parameters'} in the schema cache`,
    `Searched for the function ${schema}.${name}${searched}${unnamed}, but no matches were found in the schema cache.`,
    hint,
  );
}

function signature(fn: DbFunction): string {
  return `${fn.schema}.${fn.name}(${fn.args.map((arg) => (arg.name === '' ? arg.type : `${arg.name} => ${arg.type}`)).join(', ')})`;
}

/**
 * The FROM item that calls the function. Named arguments travel as one json bind parameter typed by
 * json_to_record with the declared argument types, so arrays and enums convert as Postgres converts them;
 * a single unnamed argument gets the raw body, cast to its type, as PostgREST passes it.
 */
export function callSql(params: Params, fn: DbFunction, args: Record<string, unknown>, rawBody: Buffer | null): { from: string; call: string } {
  const name = table(fn.schema, fn.name);
  const [only] = fn.args;
  if (singleUnnamed(fn) && only) {
    const value = only.type === 'bytea' ? (rawBody ?? Buffer.alloc(0)) : (rawBody?.toString('utf8') ?? '');
    return { from: '', call: `${name}(${params.add(value)}::${only.type})` };
  }
  const given = fn.args.filter((arg) => Object.hasOwn(args, arg.name));
  if (given.length === 0) return { from: '', call: `${name}()` };
  const definition = given.map((arg) => `${ident(arg.name)} ${arg.type}`).join(', ');
  const named = given.map((arg) => `${ident(arg.name)} => _a.${ident(arg.name)}`).join(', ');
  const from = `json_to_record(${params.add(JSON.stringify(args))}::json) as _a(${definition})`;
  return { from, call: `${name}(${named})` };
}

/** A subquery yielding the function's rows: composite columns, or one `pgrst_scalar` column. */
export function functionSource(call: { from: string; call: string }, fn: DbFunction): string {
  const lateral = call.from === '' ? `from ${call.call}` : `from ${call.from} cross join lateral ${call.call}`;
  if (fn.returnKind === 'composite') return `(select _f.* ${lateral} as _f)`;
  return `(select _f.pgrst_scalar ${lateral} as _f(pgrst_scalar))`;
}
