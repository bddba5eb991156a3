/** A PostgREST-shaped error: the HTTP status plus the `{code, details, hint, message}` body. */
export class PgrstError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly hint: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: unknown = null,
    hint: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'PgrstError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.hint = hint;
    this.headers = headers;
  }

  body(): { code: string; details: unknown; hint: string | null; message: string } {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message };
  }
}

export function parseError(message: string, details: string | null = null): PgrstError {
  return new PgrstError(400, 'PGRST100', message, details);
}

/** What Postgres says for an unknown column; we say it before Postgres would, with the same shape. */
export function unknownColumn(table: string, column: string): PgrstError {
  return new PgrstError(400, '42703', `column ${table}.${column} does not exist`);
}

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  severity?: string;
}

export function isPgError(error: unknown): error is PgLikeError & Error {
  return error instanceof Error && typeof (error as PgLikeError).code === 'string' && 'severity' in error;
}

/** SQLSTATE -> HTTP status, as PostgREST's mapSQLtoHTTP (anon gets 401 on permission errors). */
export function statusForSqlState(code: string, role: string, message = ''): number {
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  // pg-safeupdate's refusal is the client's fault; other cardinality violations are the server's.
  if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  if (code === '22023') return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
  if (code === 'P0001') return 400;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42P17' || code === '53400') return 500;
  if (code === '57P01') return 503;
  if (code.startsWith('PT')) {
    const status = Number(code.slice(2));
    return /^PT\d{3}$/.test(code) && status >= 100 && status <= 599 ? status : 500;
  }
  const klass = code.slice(0, 2);
  if (klass === '08' || klass === '53') return 503;
  if (klass === '0L' || klass === '0P' || klass === '28') return 403;
  if (['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'P0', 'XX'].includes(klass)) return 500;
  return 400;
}

/** A failure to reach the database at all: 503 (PGRST000) so clients retry, or 504 (PGRST003) for a pool wait. */
export function connectionFailure(error: unknown): PgrstError | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (/timeout exceeded when trying to connect/i.test(error.message)) {
    return new PgrstError(504, 'PGRST003', 'Timed out acquiring connection from connection pool.');
  }
  if ((typeof code === 'string' && /^(ECONN|ETIMEDOUT|ENOTFOUND|EPIPE|EAI_)/.test(code)) || /Connection terminated/i.test(error.message)) {
    return new PgrstError(503, 'PGRST000', 'Database connection error. Retrying the connection.', error.message);
  }
  return null;
}

export function fromPgError(error: PgLikeError, role: string): PgrstError {
  const code = error.code ?? 'XX000';
  if (code === 'PGRST') return fromRaisedPgrst(error);
  const status = statusForSqlState(code, role, error.message ?? '');
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return new PgrstError(status, code, error.message ?? 'database error', error.detail ?? null, error.hint ?? null, headers);
}

/**
 * `raise sqlstate 'PGRST' using message = '{"code","message","details"?,"hint"?}', detail = '{"status","status_text"?,"headers"}'`:
 * the function decides the whole error response, as PostgREST allows. Parsed as PostgREST parses it: code and message
 * (and details, hint when given) are strings, status an integer, headers an object of strings; anything else is PGRST121.
 */
function fromRaisedPgrst(error: PgLikeError): PgrstError {
  const failure = (details: string, hint: string) => new PgrstError(500, 'PGRST121', 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error', details, hint);
  const messageHint = "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.";
  const detailHint = "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
  const body = parseObject(error.message);
  const text = (value: unknown) => typeof value === 'string';
  const optionalText = (value: unknown) => value === undefined || value === null || text(value);
  if (!body || !text(body.code) || !text(body.message) || !optionalText(body.details) || !optionalText(body.hint)) {
    return failure(`Invalid JSON value for MESSAGE: '${error.message ?? ''}'`, messageHint);
  }
  const meta = parseObject(error.detail);
  const headers = meta?.headers;
  if (!meta || !Number.isInteger(meta.status) || !headers || typeof headers !== 'object' || Array.isArray(headers)
      || !Object.values(headers).every(text) || !optionalText(meta.status_text)) {
    return failure(error.detail ? `Invalid JSON value for DETAIL: '${error.detail}'` : 'DETAIL is missing in the RAISE statement', detailHint);
  }
  const status = Number(meta.status);
  return new PgrstError(
    status >= 100 && status <= 599 ? status : 500,
    String(body.code),
    String(body.message),
    typeof body.details === 'string' ? body.details : null,
    typeof body.hint === 'string' ? body.hint : null,
    Object.fromEntries(Object.entries(headers as Record<string, string>).map(([name, value]) => [name.toLowerCase(), value])),
  );
}

function parseObject(text: string | undefined): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
