import { PgrstError } from './errors.ts';
import { deleteStatement, insertStatements, marksInserted, type MutationStatement, parseJsonBody, putStatement, representationModifiers, updateStatement, withReturning } from './mutate.ts';
import { candidateArgKeys, parseRequest, parseTarget, type ParsedRequest, type RawRequest } from './parse.ts';
import { callSql, chooseFunction, functionNotFound, functionSource, mediaTypeOf, type CallShape } from './rpc.ts';
import { qualified, type DbFunction, type Relation, type SchemaCache } from './schema.ts';
import { closest } from './similar.ts';
import { Params, relationSource, table, type ReadSource } from './fragments.ts';
import { buildLevel, checkUsedModifiers, countSql, filteredSql, levelSql, pageSql, type ReadOptions } from './sql.ts';

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
  /** page: last statement returns page_count, total and body; affected: row counts; scalar: one body; void: nothing. */
  result: 'page' | 'affected' | 'scalar' | 'void';
  /** `Prefer: count=planned|estimated`: EXPLAIN this statement; its top node's row estimate is the total. */
  estimate?: Statement;
  /** The rows of the statements carry `pgrst_inserted` (an upsert answers 200 when none was inserted). */
  countsInserted: boolean;
  /** Settings of the caller's role to apply in the transaction (see SchemaCache.roleSettings). */
  roleSettings?: Map<string, Array<[string, string]>>;
  /** The body is one JSON value even without `Accept: …object+json` (an RPC returning one composite). */
  singleValue: boolean;
  offset: number;
  maxRows: number;
}

export interface PlanInput {
  raw: RawRequest;
  body: Buffer;
  schemas: string[];
  maxRows: number;
}

type PlanBase = Pick<Plan, 'request' | 'schema' | 'readOnly' | 'singleValue' | 'countsInserted' | 'maxRows'>;

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
  if (plan.request.plan && !cache.settings.planEnabled) {
    // As PostgREST with db-plan-enabled off: the plan media type is not among those it produces.
    throw new PgrstError(406, 'PGRST107', `None of these media types are available: ${input.raw.headers.accept ?? ''}`);
  }
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
  const base: PlanBase = { request, schema, readOnly, singleValue: false, countsInserted: false, maxRows: input.maxRows };
  switch (request.method) {
    case 'GET':
    case 'HEAD':
      return { ...base, ...readPlan(request, cache, (params) => ({ source: relationSource(cache, relation), prefix: '', params }), input.maxRows), result: 'page' };
    case 'POST': {
      const representation = request.prefer.return === 'representation';
      const shared = new Params();
      const statements = insertStatements(() => (representation ? shared : new Params()), relation, request, parseJsonBody(input.body));
      return mutationPlan({ ...base, countsInserted: marksInserted(request) }, request, cache, relation, statements, shared);
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

/** Where a read's rows come from: a relation, or a function call (its parameters, its CTE prefix). */
type SourceFactory = (params: Params) => { source: ReadSource; prefix: string; params: Params };

/**
 * One statement: page rows as JSON, plus the exact total (same snapshot, same filters) when `Prefer: count`
 * asks for it; planned and estimated counts also EXPLAIN the filtered rows for the planner's estimate.
 */
function readPlan(request: ParsedRequest, cache: SchemaCache, sourceFor: SourceFactory, maxRows: number | undefined): { statements: Statement[]; offset: number; estimate?: Statement } {
  const options: ReadOptions = { cache, modifiers: request.modifiers, ...(maxRows === undefined ? {} : { maxRows }) };
  const { source, prefix, params } = sourceFor(new Params());
  const used = new Set<string>();
  const level = buildLevel(params, options, source, 't0', request.select, [], used);
  checkUsedModifiers(request.modifiers, used);
  const count = request.prefer.count;
  let total: string | undefined;
  if (count === 'exact' || count === 'estimated') {
    const countLevel = buildLevel(params, options, source, 't0', request.select, [], new Set());
    total = countSql(countLevel, source.fromSql, 't0');
  }
  let estimate: Statement | undefined;
  if (count === 'planned' || count === 'estimated') {
    // Its own parameters: EXPLAIN must not be handed values it does not reference.
    const own = sourceFor(new Params());
    const estimateLevel = buildLevel(own.params, options, own.source, 't0', request.select, [], new Set());
    estimate = { text: `${own.prefix}${filteredSql(estimateLevel, own.source.fromSql, 't0')}`, values: own.params.values };
  }
  const text = `${prefix}${pageSql(levelSql(level, source.fromSql, 't0'), request, total)}`;
  return { statements: [{ text, values: params.values }], offset: level.offset ?? 0, ...(estimate ? { estimate } : {}) };
}

function mutationPlan(base: PlanBase, request: ParsedRequest, cache: SchemaCache, relation: Relation, statements: MutationStatement[], params: Params): Plan {
  const inserted = base.countsInserted;
  if (request.prefer.return !== 'representation') {
    const texts = statements.map((statement) => ({ text: inserted ? withReturning(statement.text, { rows: false, inserted }) : statement.text, values: statement.params.values }));
    return { ...base, statements: texts, result: 'affected', offset: 0 };
  }
  // Reading back through CTEs keeps one statement, so RETURNING rows pass the SELECT policies like PostgREST's.
  const ctes = statements.map((statement, index) => `pgrst_m${index} as (${withReturning(statement.text, { rows: true, inserted })})`);
  const columns = [...relation.columns.keys()].map((column) => `"${column.replaceAll('"', '""')}"`).join(', ');
  const union =
    statements.length === 0
      ? `select * from ${table(relation.schema, relation.name)} where false`
      : statements.map((_, index) => `select ${columns} from pgrst_m${index}`).join(' union all ');
  const insertedSql = inserted ? statements.map((_, index) => `(select count(*) from pgrst_m${index} where pgrst_inserted)`).join(' + ') || '0' : null;
  const withCtes = ctes.length > 0 ? `${ctes.join(', ')}, ` : '';
  const source = relationSource(cache, relation, 'pgrst_m');
  const options: ReadOptions = { cache, modifiers: representationModifiers(request) };
  const used = new Set<string>();
  const level = buildLevel(params, options, source, 't0', request.select, [], used);
  checkUsedModifiers(representationModifiers(request), used);
  const page = pageSql(levelSql(level, 'pgrst_m', 't0'), request);
  const text = `with ${withCtes}pgrst_m as (${union}) ${insertedSql ? page.replace(/^select /, `select (${insertedSql})::int8 as inserted, `) : page}`;
  return { ...base, statements: [{ text, values: params.values }], result: 'page', offset: 0 };
}

/** The argument names a call gives, and how: a JSON object's keys, query parameters, or one raw body. */
function callShape(input: PlanInput, fromQuery: boolean): { shape: CallShape; body: unknown } {
  const contentType = mediaTypeOf(input.raw.headers['content-type']);
  if (fromQuery) return { shape: { keys: candidateArgKeys(input.raw.params), mode: 'query', contentType }, body: undefined };
  if (contentType !== 'application/json') return { shape: { keys: [], mode: 'body', contentType }, body: undefined };
  const body = parseJsonBody(input.body) ?? {};
  const keys = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  return { shape: { keys, mode: 'body', contentType }, body };
}

function planRpc(input: PlanInput, cache: SchemaCache, name: string): Plan {
  const method = input.raw.method.toUpperCase();
  const fromQuery = method === 'GET' || method === 'HEAD';
  if (!fromQuery && method !== 'POST') throw new PgrstError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
  const probe = parseRequest({ ...input.raw, params: [] });
  const schema = chooseSchema(probe, input.schemas);
  const { shape, body } = callShape(input, fromQuery);
  const fn = chooseFunction(cache, schema, name, shape);
  if (!fn) throw functionNotFound(cache, schema, name, shape);
  const unnamed = fn.args.length === 1 && fn.args[0]?.name === '';
  if (!fromQuery && !unnamed && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    throw new PgrstError(400, 'PGRST102', 'Empty or invalid json', 'RPC arguments must be one JSON object');
  }
  const request = parseRequest(input.raw, new Set(fromQuery ? fn.args.map((arg) => arg.name) : []));
  const args: Record<string, unknown> = fromQuery ? Object.fromEntries(request.rpcArgs) : ((body as Record<string, unknown> | undefined) ?? {});
  const rawBody = unnamed && !fromQuery ? input.body : null;
  // As PostgREST's txMode: GET and HEAD read only; POST read write only for a volatile function (a stable or immutable
  // one cannot write, and PostgreSQL refuses a volatile function it calls that tries: 25006, answered 405).
  const readOnly = fromQuery || fn.volatility !== 'v';
  const base: PlanBase = { request, schema, readOnly, singleValue: false, countsInserted: false, maxRows: input.maxRows };
  const call = (params: Params) => callSql(params, fn, args, rawBody);
  if (fn.returnKind === 'void') {
    const params = new Params();
    const { from, call: text } = call(params);
    return { ...base, statements: [{ text: from === '' ? `select ${text}` : `select ${text} from ${from}`, values: params.values }], result: 'void', offset: 0 };
  }
  if (fn.returnKind === 'scalar') return scalarRpcPlan(base, request, fn, call);
  const relation = fn.returnRelation ? (cache.relations.get(qualified(fn.returnRelation.schema, fn.returnRelation.name)) ?? null) : null;
  // A CTE runs the function once, however often the page and the count read its rows.
  const sourceFor: SourceFactory = (params) => {
    const sourceSql = functionSource(call(params), fn);
    const source: ReadSource = relation
      ? relationSource(cache, relation, 'pgrst_f', fn.name)
      : { fromSql: 'pgrst_f', label: fn.name, columns: fn.returnColumns, relation: null, computed: [], rowSql: (alias) => alias };
    return { source, prefix: `with pgrst_f as materialized ${sourceSql} `, params };
  };
  const read = readPlan(request, cache, sourceFor, fn.returnsSet ? input.maxRows : undefined);
  return { ...base, ...read, result: 'page', singleValue: !fn.returnsSet };
}

/** A scalar (or a set of scalars): one JSON value, or an array; a count counts the values, as PostgREST's pgrst_source. */
function scalarRpcPlan(base: PlanBase, request: ParsedRequest, fn: DbFunction, call: (params: Params) => { from: string; call: string }): Plan {
  const params = new Params();
  const sourceSql = functionSource(call(params), fn);
  const counted = request.prefer.count ? 'count(*) over ()' : 'null::int8';
  if (!fn.returnsSet) {
    const text = `select 1::int8 as page_count, ${request.prefer.count ? '1::int8' : 'null::int8'} as total, to_json(_f.pgrst_scalar)::text as body from ${sourceSql} as _f`;
    return { ...base, statements: [{ text, values: params.values }], result: 'scalar', singleValue: true, offset: 0 };
  }
  const text = `select count(*)::int8 as page_count, max(_s.total) as total, coalesce(json_agg(_s.pgrst_scalar), '[]'::json)::text as body
    from (select _f.pgrst_scalar, ${counted} as total from ${sourceSql} as _f) as _s`;
  let estimate: Statement | undefined;
  if (request.prefer.count === 'planned' || request.prefer.count === 'estimated') {
    const own = new Params();
    estimate = { text: `select 1 from ${functionSource(call(own), fn)} as _f`, values: own.values };
  }
  return { ...base, statements: [{ text, values: params.values }], result: 'page', offset: 0, ...(estimate ? { estimate } : {}) };
}
