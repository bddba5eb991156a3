import { PgrstError } from './errors.ts';
import { deleteStatement, insertStatements, putStatement, type MutationStatement, parseJsonBody, representationModifiers, sourceOf, updateStatement, withReturning } from './mutate.ts';
import { candidateArgKeys, parseRequest, parseTarget, type ParsedRequest, type RawRequest } from './parse.ts';
import { callSql, chooseFunction, functionNotFound, functionSource } from './rpc.ts';
import { qualified, type DbFunction, type Relation, type SchemaCache } from './schema.ts';
import { closest } from './similar.ts';
import { Params, type ReadSource } from './fragments.ts';
import { buildLevel, checkUsedModifiers, countSql, levelSql, pageSql, type ReadOptions } from './sql.ts';

export interface Statement {
  text: string;
  values: unknown[];
}

/** Everything the handler needs to run one request in one transaction and shape the answer. */
export interface Plan {
  request: ParsedRequest;
  schema: string;
  readOnly: boolean;
  statements: Statement[];
  /** page: last statement returns page_count + body; affected: sum of row counts; scalar: body only; void: nothing. */
  result: 'page' | 'affected' | 'scalar' | 'void';
  /** Settings of the caller's role to apply in the transaction (see SchemaCache.roleSettings). */
  roleSettings?: Map<string, Array<[string, string]>>;
  /** The body is one JSON value even without `Accept: …object+json` (an RPC returning one composite). */
  singleValue: boolean;
  offset: number;
}

export interface PlanInput {
  raw: RawRequest;
  body: Buffer;
  schemas: string[];
  maxRows: number;
}

function chooseSchema(request: { profile: string | null }, schemas: string[]): string {
  const schema = request.profile ?? schemas[0] ?? 'public';
  if (!schemas.includes(schema)) {
    throw new PgrstError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${schemas.join(', ')}`);
  }
  return schema;
}

export function planRequest(input: PlanInput, cache: SchemaCache): Plan {
  const target = parseTarget(input.raw.path);
  const plan = target.kind === 'rpc' ? planRpc(input, cache, target.name) : planTable(input, cache, target.name);
  return { ...plan, roleSettings: cache.roleSettings };
}

function planTable(input: PlanInput, cache: SchemaCache, name: string): Plan {
  const request = parseRequest(input.raw);
  const schema = chooseSchema(request, input.schemas);
  const relation = cache.relations.get(qualified(schema, name));
  if (!relation) {
    const names = [...cache.relations.values()].filter((relation) => relation.schema === schema).map((relation) => relation.name);
    const suggestion = closest(name, names);
    throw new PgrstError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`, null,
      suggestion === undefined ? null : `Perhaps you meant the table '${schema}.${suggestion}'`);
  }
  const readOnly = request.method === 'GET' || request.method === 'HEAD';
  const base = { request, schema, readOnly, singleValue: false };
  switch (request.method) {
    case 'GET':
    case 'HEAD':
      return { ...base, ...readPlan(request, cache, sourceOf(relation), input.maxRows), result: 'page' };
    case 'POST': {
      const representation = request.prefer.return === 'representation';
      const shared = new Params();
      const statements = insertStatements(() => (representation ? shared : new Params()), relation, request, parseJsonBody(input.body));
      return mutationPlan(base, request, cache, relation, statements, shared);
    }
    case 'PATCH': {
      const params = new Params();
      const text = updateStatement(params, cache, relation, request, parseJsonBody(input.body));
      return mutationPlan(base, request, cache, relation, [{ text, params }], params);
    }
    case 'DELETE': {
      const params = new Params();
      const text = deleteStatement(params, cache, relation, request);
      return mutationPlan(base, request, cache, relation, [{ text, params }], params);
    }
    case 'PUT': {
      const params = new Params();
      const text = putStatement(params, relation, request, parseJsonBody(input.body));
      return mutationPlan(base, request, cache, relation, [{ text, params }], params);
    }
    default:
      throw new PgrstError(405, 'PGRST117', `Unsupported HTTP method: ${request.method}`);
  }
}

/** One statement: page rows as JSON, plus the total (same snapshot, same filters) when `Prefer: count` asks. */
function readPlan(
  request: ParsedRequest,
  cache: SchemaCache,
  source: ReadSource,
  maxRows: number | undefined,
  params = new Params(),
  prefix = '',
): { statements: Statement[]; offset: number } {
  const options: ReadOptions = { cache, modifiers: request.modifiers, ...(maxRows === undefined ? {} : { maxRows }) };
  const used = new Set<string>();
  const level = buildLevel(params, options, source, 't0', request.select, [], used);
  checkUsedModifiers(request.modifiers, used);
  let total: string | undefined;
  if (request.prefer.count) {
    const countLevel = buildLevel(params, options, source, 't0', request.select, [], new Set());
    total = countSql(countLevel, source.fromSql, 't0');
  }
  const text = `${prefix}${pageSql(levelSql(level, source.fromSql, 't0'), request, total)}`;
  return { statements: [{ text, values: params.values }], offset: level.offset ?? 0 };
}

function mutationPlan(
  base: { request: ParsedRequest; schema: string; readOnly: boolean; singleValue: boolean },
  request: ParsedRequest,
  cache: SchemaCache,
  relation: Relation,
  statements: MutationStatement[],
  params: Params,
): Plan {
  if (request.prefer.return !== 'representation') {
    return { ...base, statements: statements.map((statement) => ({ text: statement.text, values: statement.params.values })), result: 'affected', offset: 0 };
  }
  // Reading back through CTEs keeps one statement, so RETURNING rows pass the SELECT policies like PostgREST's.
  const ctes = statements.map((statement, index) => `pgrst_m${index} as (${withReturning(statement.text)})`);
  const union =
    statements.length === 0
      ? `select * from ${sourceOf(relation).fromSql} where false`
      : statements.map((_, index) => `select * from pgrst_m${index}`).join(' union all ');
  const withCtes = ctes.length > 0 ? `${ctes.join(', ')}, ` : '';
  const source: ReadSource = { ...sourceOf(relation), fromSql: 'pgrst_m' };
  const options: ReadOptions = { cache, modifiers: representationModifiers(request) };
  const used = new Set<string>();
  const level = buildLevel(params, options, source, 't0', request.select, [], used);
  checkUsedModifiers(representationModifiers(request), used);
  const text = `with ${withCtes}pgrst_m as (${union}) ${pageSql(levelSql(level, 'pgrst_m', 't0'), request)}`;
  return { ...base, statements: [{ text, values: params.values }], result: 'page', offset: 0 };
}

function planRpc(input: PlanInput, cache: SchemaCache, name: string): Plan {
  const method = input.raw.method.toUpperCase();
  const fromQuery = method === 'GET' || method === 'HEAD';
  if (!fromQuery && method !== 'POST') throw new PgrstError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
  const probe = parseRequest({ ...input.raw, params: [] });
  const schema = chooseSchema(probe, input.schemas);
  let body: unknown = undefined;
  let keys: string[];
  if (fromQuery) {
    keys = candidateArgKeys(input.raw.params);
  } else {
    body = parseJsonBody(input.body) ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new PgrstError(400, 'PGRST102', 'Empty or invalid json', 'RPC arguments must be one JSON object');
    }
    keys = Object.keys(body);
  }
  const fn = chooseFunction(cache, schema, name, keys, fromQuery ? 'query' : 'body');
  if (!fn) {
    const error = functionNotFound(schema, name, keys, fromQuery ? 'query' : 'body');
    if (cache.functions.has(qualified(schema, name))) throw error;
    const names = [...cache.functions.values()].flat().filter((candidate) => candidate.schema === schema).map((candidate) => candidate.name);
    const suggestion = closest(name, names);
    throw suggestion === undefined ? error : new PgrstError(error.status, error.code, error.message, error.details, `Perhaps you meant to call the function ${schema}.${suggestion}`);
  }
  const request = parseRequest(input.raw, new Set(fromQuery ? fn.args.map((arg) => arg.name) : []));
  const args: Record<string, unknown> = fromQuery ? Object.fromEntries(request.rpcArgs) : (body as Record<string, unknown>);
  const params = new Params();
  const call = callSql(params, fn, args, body);
  const readOnly = fromQuery;
  const base = { request, schema, readOnly, offset: 0 };
  if (fn.returnKind === 'void') {
    const text = call.from === '' ? `select ${call.call}` : `select ${call.call} from ${call.from}`;
    return { ...base, statements: [{ text, values: params.values }], result: 'void', singleValue: false };
  }
  if (fn.returnKind === 'scalar' && !fn.returnsSet) {
    const text = `select to_json(_f.pgrst_scalar)::text as body from ${functionSource(call, fn)} as _f`;
    return { ...base, statements: [{ text, values: params.values }], result: 'scalar', singleValue: true };
  }
  const sourceSql = functionSource(call, fn);
  if (fn.returnKind === 'scalar') {
    const text = `select count(*)::int8 as page_count, coalesce(json_agg(_s.pgrst_scalar), '[]'::json)::text as body from ${sourceSql} as _s`;
    return { ...base, statements: [{ text, values: params.values }], result: 'page', singleValue: false };
  }
  return rpcRowsPlan(base, request, cache, fn, sourceSql, params, input.maxRows);
}

function rpcRowsPlan(
  base: { request: ParsedRequest; schema: string; readOnly: boolean },
  request: ParsedRequest,
  cache: SchemaCache,
  fn: DbFunction,
  sourceSql: string,
  callParams: Params,
  maxRows: number,
): Plan {
  const relation = fn.returnRelation ? (cache.relations.get(qualified(fn.returnRelation.schema, fn.returnRelation.name)) ?? null) : null;
  // A CTE runs the function once, however often the page and the count read its rows.
  const source: ReadSource = { fromSql: 'pgrst_f', label: fn.name, columns: fn.returnColumns, relation };
  const read = readPlan(request, cache, source, fn.returnsSet ? maxRows : undefined, callParams, `with pgrst_f as materialized ${sourceSql} `);
  return { ...base, ...read, result: 'page', singleValue: !fn.returnsSet };
}
