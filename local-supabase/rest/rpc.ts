import { PgrstError } from './errors.ts';
import { qualified, type DbFunction, type SchemaCache } from './schema.ts';
import { ident, table, type Params } from './fragments.ts';

/** Picks the overload of `schema.name` that the given argument names can call, like PostgREST. */
export function chooseFunction(
  cache: SchemaCache,
  schema: string,
  name: string,
  keys: string[],
  mode: 'body' | 'query',
): DbFunction | undefined {
  const overloads = cache.functions.get(qualified(schema, name)) ?? [];
  const scored: Array<{ fn: DbFunction; matched: number }> = [];
  for (const fn of overloads) {
    if (singleUnnamedJson(fn) && mode === 'body') {
      scored.push({ fn, matched: 0 });
      continue;
    }
    const names = new Set(fn.args.map((arg) => arg.name));
    const matched = keys.filter((key) => names.has(key)).length;
    // From a body every key must be an argument; from a query string the other keys are filters.
    if (mode === 'body' && matched !== keys.length) continue;
    if (fn.args.some((arg) => !arg.hasDefault && (arg.name === '' || !keys.includes(arg.name)))) continue;
    scored.push({ fn, matched });
  }
  scored.sort((a, b) => b.matched - a.matched || a.fn.args.length - b.fn.args.length);
  const [best, second] = scored;
  if (!best) return undefined;
  if (second && second.matched === best.matched && second.fn.args.length === best.fn.args.length) {
    throw new PgrstError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${scored.map((entry) => signature(entry.fn)).join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  return best.fn;
}

export function functionNotFound(schema: string, name: string, keys: string[], mode: 'body' | 'query'): PgrstError {
  const list = [...keys].sort().join(', ');
  const searched = keys.length === 0 ? ' without parameters' : ` with parameter${keys.length > 1 ? 's' : ''} ${list}`;
  return new PgrstError(
    404,
    'PGRST202',
    `Could not find the function ${schema}.${name}${keys.length > 0 ? `(${list})` : ' without parameters'} in the schema cache`,
    `Searched for the function ${schema}.${name}${searched}${mode === 'body' ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
  );
}

function singleUnnamedJson(fn: DbFunction): boolean {
  const [only] = fn.args;
  return fn.args.length === 1 && only !== undefined && only.name === '' && (only.type === 'json' || only.type === 'jsonb');
}

function signature(fn: DbFunction): string {
  return `${fn.schema}.${fn.name}(${fn.args.map((arg) => `${arg.name} => ${arg.type}`).join(', ')})`;
}

/**
 * The FROM item that calls the function. Arguments travel as one json bind parameter and are typed by
 * json_to_record with the declared argument types, so arrays and enums convert as Postgres converts them.
 */
export function callSql(params: Params, fn: DbFunction, args: Record<string, unknown>, wholeBody: unknown): { from: string; call: string } {
  const name = table(fn.schema, fn.name);
  if (singleUnnamedJson(fn)) {
    return { from: '', call: `${name}(${params.add(JSON.stringify(wholeBody ?? {}))}::${fn.args[0]?.type ?? 'json'})` };
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
