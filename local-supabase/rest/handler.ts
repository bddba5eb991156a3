import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { GatewayRequest, GatewayResponse, RequestAuth, ServiceHandler } from '../types.ts';
import { connectionFailure, fromPgError, isPgError, PgrstError } from './errors.ts';
import { planRequest, type Plan, type PlanInput, type Statement } from './plan.ts';
import type { SchemaCache } from './schema.ts';
import { SchemaCacheHolder } from './reload.ts';

export interface RestHandlerOptions {
  pool: pg.Pool;
  /** Schemas exposed through Accept-Profile/Content-Profile; the first is the default. */
  schemas?: string[];
  /** Hard cap on rows returned by one read (PostgREST db-max-rows). */
  maxRows?: number;
  /**
   * PostgREST's db-prepared-statements (on by default): each connection parses and plans a statement text once and
   * then only binds and executes it; off, every request's statements are parsed and planned anew.
   */
  preparedStatements?: boolean;
  /**
   * Keep the plan of a request (its statements' text and values, the answer's shape) for identical requests under the
   * same schema cache load (default on): planning is a pure function of the request and the cache, and cost the
   * handler about 0.2 ms a request (bench/gateway-steps.ts). Off, every request is planned anew.
   */
  planCache?: boolean;
  log?: (line: string) => void;
  /**
   * Called with a step's name as a request passes it: handle, planned, checkout, checked, begun, set, mained, gucs,
   * committed, executed (bench/gateway-steps.ts times the steps between them).
   */
  mark?: (step: string) => void;
}

export interface RestHandler extends ServiceHandler {
  /** Resolves once the schema cache listens for `NOTIFY pgrst` (or could not: it retries in the background). */
  ready: Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const PREFIX = '/rest/v1';
/** Errors that may only mean the cache is stale (a migration ran since it was loaded). */
const STALE_CODES = new Set(['42703', 'PGRST200', 'PGRST202', 'PGRST204', 'PGRST205']);
const DB_STALE_CODES = new Set(['42703', '42883', '42P01', '42704']);

interface Outcome {
  total: number | null;
  pageCount: number;
  /** Rows an upsert inserted (null when the request is not an upsert). */
  inserted: number | null;
  body: string | null;
  /** What the SQL asked for through the `response.status` / `response.headers` settings. */
  status?: number;
  headers: Record<string, string>;
}

export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const schemas = options.schemas ?? ['public'];
  const maxRows = options.maxRows ?? 1000;
  const cache = new SchemaCacheHolder(options.pool, schemas, options.log);
  const prepared = options.preparedStatements ?? true;
  const ready = cache.listen().catch(() => {});
  const mark = options.mark;
  const plans = (options.planCache ?? true) ? new PlanCache() : null;
  const session: Session = { cache, prepared, ...(mark ? { mark } : {}) };

  const handle = async (request: GatewayRequest, auth: RequestAuth): Promise<GatewayResponse> => {
    mark?.('handle');
    try {
      if (request.body.length > MAX_BODY_BYTES) {
        throw new PgrstError(413, 'PGRST413', 'Payload Too Large', `The request body is larger than ${MAX_BODY_BYTES} bytes`);
      }
      const pathname = request.url.pathname.startsWith(PREFIX) ? request.url.pathname.slice(PREFIX.length) : request.url.pathname;
      if (request.method === 'OPTIONS') {
        return { status: 200, headers: { allow: 'OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE' } };
      }
      const input = {
        raw: { method: request.method, path: pathname, params: [...request.url.searchParams], headers: request.headers },
        body: request.body,
        schemas,
        maxRows,
      };
      let plan: Plan;
      try {
        plan = plans ? plans.plan(input, await cache.get()) : planRequest(input, await cache.get());
      } catch (error) {
        if (!(error instanceof PgrstError) || !STALE_CODES.has(error.code)) throw error;
        plan = planRequest(input, await cache.reload());
      }
      mark?.('planned');
      const run = (current: Plan) => execute(options.pool, session, current, auth, request, pathname);
      const outcome = await run(plan).catch(async (error: unknown) => {
        if (prepared && isStalePlan(error)) {
          // A prepared statement whose result type the DDL changed failed before it ran, and the transaction was
          // rolled back: with the schema reloaded (which flushes the prepared statements) the request runs again.
          plan = planRequest(input, await cache.reload());
          return run(plan);
        }
        // Postgres saying an object is gone means the cache is stale: refresh it for the next request.
        if (isPgError(error) && DB_STALE_CODES.has(error.code ?? '')) void cache.reload().catch(() => {});
        throw error;
      });
      mark?.('executed');
      const response = respond(plan, outcome);
      return {
        ...response,
        status: outcome.status ?? response.status,
        headers: { ...response.headers, ...outcome.headers },
      };
    } catch (error) {
      return errorResponse(error, auth.role);
    }
  };
  return Object.assign(handle, { ready, close: () => cache.close() });
}

/** Plans kept per schema cache load: an identical request (method, path, query, the headers a plan reads, body) reuses one. */
class PlanCache {
  private readonly byCache = new WeakMap<SchemaCache, Map<string, Plan>>();

  plan(input: PlanInput, cache: SchemaCache): Plan {
    if (input.body.length > PLAN_CACHE_BODY_BYTES) return planRequest(input, cache);
    const { method, path, params, headers } = input.raw;
    // Every header planRequest reads (parse.ts, plan.ts) belongs in the key; latin1 maps each byte to one character,
    // so equal keys are equal bodies.
    const key = JSON.stringify([method, path, params, headers.accept, headers.prefer, headers.range, headers['accept-profile'], headers['content-profile'], headers['content-type'], input.body.toString('latin1')]);
    let plans = this.byCache.get(cache);
    if (!plans) {
      plans = new Map();
      this.byCache.set(cache, plans);
    }
    const hit = plans.get(key);
    if (hit) return hit;
    const plan = planRequest(input, cache);
    if (plans.size >= PLAN_CACHE_ENTRIES) plans.delete(plans.keys().next().value!);
    plans.set(key, plan);
    return plan;
  }
}
const PLAN_CACHE_ENTRIES = 500;
const PLAN_CACHE_BODY_BYTES = 16 * 1024;

const RESPONSE_GUCS = "nullif(current_setting('response.headers', true), '') as response_headers, nullif(current_setting('response.status', true), '') as response_status";

/** Distinct statements one connection keeps prepared; past it the connection is retired at its next checkout. */
const MAX_PREPARED = 1000;

/** What this handler prepared on a pooled connection, and under which schema cache load. */
interface PreparedTag {
  generation: number;
  names: Set<string>;
}
const preparedOn = new WeakMap<pg.PoolClient, PreparedTag>();

interface Session {
  cache: SchemaCacheHolder;
  prepared: boolean;
  mark?: (step: string) => void;
}

/**
 * A pooled connection whose prepared statements are current. Statements prepared before the last schema cache load
 * go with their connection, as PostgREST flushes its pool when it reloads the schema cache: a statement whose
 * result type DDL changed would otherwise fail with "cached plan must not change result type".
 */
async function checkout(pool: pg.Pool, session: Session): Promise<{ client: pg.PoolClient; tag: PreparedTag | null }> {
  for (;;) {
    const client = await pool.connect();
    if (!session.prepared) return { client, tag: null };
    const generation = session.cache.generation;
    let tag = preparedOn.get(client);
    if (tag && (tag.generation !== generation || tag.names.size >= MAX_PREPARED)) {
      preparedOn.delete(client);
      client.release(true);
      continue;
    }
    if (!tag) {
      tag = { generation, names: new Set() };
      preparedOn.set(client, tag);
    }
    return { client, tag };
  }
}

/** Runs one parameterised statement: prepared once per connection under a name derived from its text, or unnamed. */
function query<R extends pg.QueryResultRow>(client: pg.PoolClient, tag: PreparedTag | null, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
  if (!tag) return client.query<R>(text, values);
  const name = statementName(text);
  tag.names.add(name);
  return client.query<R>({ name, text, values });
}

/** The name a statement text is prepared under (its sha1), remembered for the texts seen last. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `pgrst_${createHash('sha1').update(text).digest('hex')}`;
    if (statementNames.size >= MAX_PREPARED) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/** Bind found a prepared statement's result type changed by DDL (nothing ran: PostgreSQL checks before executing). */
function isStalePlan(error: unknown): boolean {
  return isPgError(error) && error.code === '0A000' && (error as { routine?: string }).routine === 'RevalidateCachedQuery';
}

async function execute(pool: pg.Pool, session: Session, plan: Plan, auth: RequestAuth, request: GatewayRequest, path: string): Promise<Outcome> {
  const mark = session.mark;
  mark?.('checkout');
  const { client, tag } = await checkout(pool, session);
  mark?.('checked');
  let open = false;
  let broken: Error | undefined;
  try {
    await client.query(`begin isolation level read committed ${plan.readOnly ? 'read only' : 'read write'}`);
    open = true;
    mark?.('begun');
    // As PostgREST's txVarQuery: one statement sets the search path, the role's own settings (before the role, see
    // PostgREST#3045), the role, the claims and the request's method, path and headers.
    const settings = plan.roleSettings?.get(auth.role) ?? [];
    const values = [plan.schema === 'public' ? 'public, extensions' : `${quoteSchema(plan.schema)}, public, extensions`, ...settings.flat()];
    const roleSettings = settings.map((_, index) => `set_config($${index * 2 + 2}, $${index * 2 + 3}, true), `).join('');
    const at = values.length;
    await query(
      client,
      tag,
      `select set_config('search_path', $1, true), ${roleSettings}set_config('role', $${at + 1}, true), set_config('request.jwt.claims', $${at + 2}, true),
              set_config('request.method', $${at + 3}, true), set_config('request.path', $${at + 4}, true), set_config('request.headers', $${at + 5}, true)`,
      [...values, auth.role, JSON.stringify({ ...auth.claims, role: auth.role }), request.method, path, JSON.stringify(request.headers)],
    );
    mark?.('set');
    if (plan.request.plan) {
      const body = await explain(client, plan);
      // EXPLAIN ANALYZE runs the statement: what it wrote is rolled back.
      await client.query(plan.request.plan.options.includes('analyze') && !plan.readOnly ? 'rollback' : 'commit');
      open = false;
      return { total: null, pageCount: 0, inserted: null, body, headers: {} };
    }
    const outcome: Outcome = { total: null, pageCount: 0, inserted: plan.countsInserted ? 0 : null, body: null, headers: {} };
    let gucRow: { response_headers?: string | null; response_status?: string | null } | undefined;
    for (const statement of plan.statements) {
      // A page or a scalar is one row: it carries the response settings too, read after the rows it aggregates (as
      // PostgREST's main statement does); a table write's data-modifying WITH cannot sit in a subquery.
      const oneRow = (plan.result === 'page' || plan.result === 'scalar') && (plan.readOnly || plan.request.target.kind === 'rpc');
      const text = oneRow ? `select _m.*, ${RESPONSE_GUCS} from (${statement.text}) as _m` : statement.text;
      const result = await query(client, tag, text, statement.values);
      if (oneRow) gucRow = result.rows[0] ?? {};
      if (plan.result === 'affected') {
        outcome.pageCount += result.rowCount ?? 0;
        if (outcome.inserted !== null) outcome.inserted += result.rows.filter((row: { pgrst_inserted?: boolean }) => row.pgrst_inserted).length;
      } else if (plan.result === 'page' || plan.result === 'scalar') {
        const row = result.rows[0] as { page_count?: string; total?: string | null; body: string | null; inserted?: string } | undefined;
        outcome.pageCount = plan.result === 'scalar' ? 1 : Number(row?.page_count ?? 0);
        outcome.total = row?.total == null ? null : Number(row.total);
        outcome.body = row?.body ?? (plan.result === 'scalar' ? 'null' : '[]');
        if (outcome.inserted !== null) outcome.inserted = Number(row?.inserted ?? 0);
      }
    }
    if (plan.estimate) outcome.total = await countedTotal(client, plan, plan.estimate, outcome.total);
    const mutation = plan.request.target.kind === 'table' && !plan.readOnly;
    if (plan.request.prefer.count && outcome.total === null && mutation) outcome.total = outcome.pageCount;
    const limit = plan.request.prefer.maxAffected;
    const limited = plan.request.target.kind === 'rpc' || (mutation && plan.request.method !== 'POST');
    if (limit !== undefined && limited && outcome.pageCount > limit) {
      await client.query('rollback');
      open = false;
      throw new PgrstError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${outcome.pageCount} rows`);
    }
    const singularFailed = plan.request.singular && plan.result !== 'scalar' && plan.result !== 'void' && outcome.pageCount !== 1;
    if (singularFailed) {
      await client.query('rollback');
      open = false;
      throw new PgrstError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${outcome.pageCount} rows`);
    }
    mark?.('mained');
    gucRow ??= (await client.query<{ response_headers: string | null; response_status: string | null }>(`select ${RESPONSE_GUCS}`)).rows[0];
    Object.assign(outcome, responseGucs(gucRow?.response_headers ?? null, gucRow?.response_status ?? null));
    mark?.('gucs');
    await client.query(plan.request.prefer.tx === 'rollback' ? 'rollback' : 'commit');
    mark?.('committed');
    open = false;
    return outcome;
  } catch (error) {
    // A connection that cannot even roll back is broken: hand it back for disposal, not reuse.
    if (open) broken = await client.query('rollback').then(() => undefined, (rollbackError: unknown) => toError(rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The planner's row estimate of a statement: the top node's "Plan Rows", as PostgREST reads it. */
async function plannedRows(client: pg.PoolClient, statement: Statement): Promise<number> {
  const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`explain (format json) ${statement.text}`, statement.values);
  return Math.round(rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0);
}

/** planned: the estimate; estimated: the exact count up to max-rows, past it the larger of both (PostgREST's rule). */
async function countedTotal(client: pg.PoolClient, plan: Plan, estimate: Statement, exact: number | null): Promise<number> {
  if (plan.request.prefer.count === 'planned') return plannedRows(client, estimate);
  if (exact !== null && exact <= plan.maxRows) return exact;
  return Math.max(exact ?? 0, await plannedRows(client, estimate));
}

/** `Accept: application/vnd.pgrst.plan`: the EXPLAIN of the request's statements, in text or JSON. */
async function explain(client: pg.PoolClient, plan: Plan): Promise<string> {
  const explainRequest = plan.request.plan!;
  const options = [`format ${explainRequest.format}`, ...explainRequest.options.map((option) => `${option} true`)].join(', ');
  const parts: string[] = [];
  const plans: unknown[] = [];
  for (const statement of plan.statements) {
    const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`explain (${options}) ${statement.text}`, statement.values);
    if (explainRequest.format === 'json') plans.push(...(rows[0]?.['QUERY PLAN'] as unknown[]));
    else parts.push(rows.map((row) => String(row['QUERY PLAN'])).join('\n'));
  }
  return explainRequest.format === 'json' ? JSON.stringify(plans) : parts.join('\n');
}

/** PostgREST lets SQL set the response status and extra headers through two transaction settings. */
function responseGucs(headersText: string | null, statusText: string | null): { status?: number; headers: Record<string, string> } {
  const result: { status?: number; headers: Record<string, string> } = { headers: {} };
  if (headersText !== null) {
    const headersError = new PgrstError(500, 'PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
    let parsed: unknown;
    try {
      parsed = JSON.parse(headersText);
    } catch {
      throw headersError;
    }
    if (!Array.isArray(parsed)) throw headersError;
    for (const entry of parsed) {
      const pairs = entry && typeof entry === 'object' ? Object.entries(entry as Record<string, unknown>) : [];
      const [pair] = pairs;
      if (pairs.length !== 1 || !pair || typeof pair[1] !== 'string') throw headersError;
      result.headers[pair[0].toLowerCase()] = pair[1];
    }
  }
  if (statusText !== null) {
    const status = Number(statusText);
    if (!/^\d{3}$/.test(statusText.trim()) || status < 100 || status > 599) {
      throw new PgrstError(500, 'PGRST112', 'response.status guc must be a valid status code');
    }
    result.status = status;
  }
  return result;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function quoteSchema(schema: string): string {
  return `"${schema.replaceAll('"', '""')}"`;
}

function respond(plan: Plan, outcome: Outcome): GatewayResponse {
  const { request } = plan;
  const headers: Record<string, string> = {};
  if (request.plan) {
    const type = `application/vnd.pgrst.plan+${request.plan.format}; for="${request.plan.for}"; charset=utf-8`;
    return { status: 200, headers: { 'content-type': type }, body: outcome.body ?? '' };
  }
  if (request.prefer.applied.length > 0) headers['preference-applied'] = request.prefer.applied.join(', ');
  const singular = (request.singular || plan.singleValue) && !request.csv;
  headers['content-type'] = request.csv
    ? 'text/csv; charset=utf-8'
    : request.singular
      ? 'application/vnd.pgrst.object+json; charset=utf-8'
      : 'application/json; charset=utf-8';
  const totalText = outcome.total === null ? '*' : String(outcome.total);
  const rangeOf = (count: number, offset: number): string => (count > 0 ? `${offset}-${offset + count - 1}/${totalText}` : `*/${totalText}`);
  let body = outcome.body;
  if (body !== null && singular && plan.result === 'page') body = outcome.pageCount === 0 ? 'null' : unwrapSingle(body);
  const head = request.method === 'HEAD';
  const rpc = request.target.kind === 'rpc';

  if (rpc) {
    // A void call is one row, as PostgREST counts its pgrst_source.
    if (plan.result === 'void') return { status: 204, headers: { ...withoutType(headers), 'content-range': `0-0/${request.prefer.count ? '1' : '*'}` } };
    headers['content-range'] = rangeOf(outcome.pageCount, plan.offset);
    if (request.prefer.return === 'minimal' && !head) return { status: 204, headers: withoutType(headers) };
    return { status: partialStatus(plan, outcome), headers, ...(head ? {} : { body: body ?? 'null' }) };
  }
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      if (outcome.total !== null && plan.offset > outcome.total) {
        throw new PgrstError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${plan.offset} was requested, but there are only ${outcome.total} rows.`, null, {
          'content-range': `*/${outcome.total}`,
        });
      }
      headers['content-range'] = rangeOf(outcome.pageCount, plan.offset);
      return { status: partialStatus(plan, outcome), headers, ...(head ? {} : { body: body ?? '[]' }) };
    }
    case 'POST': {
      headers['content-range'] = `*/${totalText}`;
      // An upsert that only updated created nothing: 200, as PostgREST's isInsertIfGTZero.
      const status = outcome.inserted === 0 ? 200 : 201;
      if (request.prefer.return !== 'representation') return { status, headers: withoutType(headers) };
      return { status, headers, body: body ?? '[]' };
    }
    default: {
      headers['content-range'] = request.method === 'PATCH' ? rangeOf(outcome.pageCount, 0) : `*/${totalText}`;
      if (request.prefer.return !== 'representation') return { status: 204, headers: withoutType(headers) };
      return { status: 200, headers, body: body ?? '[]' };
    }
  }
}

function partialStatus(plan: Plan, outcome: Outcome): number {
  return outcome.total !== null && outcome.pageCount < outcome.total && !plan.request.singular ? 206 : 200;
}

/** json_agg of one row prints `[<row>]`; the row alone is the singular body. */
function unwrapSingle(body: string): string {
  return body.slice(1, -1).trim();
}

function withoutType(headers: Record<string, string>): Record<string, string> {
  const { ['content-type']: _dropped, ...rest } = headers;
  void _dropped;
  return rest;
}

function errorResponse(error: unknown, role: string): GatewayResponse {
  let failure: PgrstError;
  const unreachable = connectionFailure(error);
  if (error instanceof PgrstError) failure = error;
  else if (isPgError(error)) failure = fromPgError(error, role);
  else if (unreachable) failure = unreachable;
  else {
    console.error('[rest] internal error', error);
    failure = new PgrstError(500, 'PGRST000', error instanceof Error ? error.message : 'Internal server error');
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'proxy-status': `PostgREST; error=${failure.code}`,
    ...failure.headers,
  };
  if (failure.status === 401) headers['www-authenticate'] = 'Bearer';
  return { status: failure.status, headers, body: JSON.stringify(failure.body()) };
}
