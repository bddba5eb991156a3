import { FunctionsHttpError, isAuthError, isAuthRetryableFetchError } from '@supabase/supabase-js';
import * as z from 'zod/mini';
import type { TimeWindow } from '@/types/queue';

/** Every failure a service reports; each code has a sentence under `errors.` in every language. */
export const SERVICE_ERROR_CODES = [
  'invalid_input',
  'invalid_credentials',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'business_closed',
  'outside_business_hours',
  'holiday',
  'capacity_exceeded',
  'rate_limited',
  'network',
  'timeout',
  'unavailable',
  'server_error',
  'bad_response',
  'unknown',
] as const;
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

export interface ServiceErrorDetails {
  /** The next business window, when queue-leads refused a time outside one (null: none ahead). */
  nextWindow?: TimeWindow | null;
  /** Seconds to wait before a rate-limited call may be tried again. */
  retryAfter?: number;
  /** What the backend called it (SQLSTATE, PGRST…, GoTrue or Edge Function code), for logs. */
  backendCode?: string;
}

/** The one error the service layer throws; the UI turns `code` into a sentence (hooks/useErrorText). */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details: ServiceErrorDetails = {},
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

function isServiceErrorCode(value: unknown): value is ServiceErrorCode {
  return SERVICE_ERROR_CODES.some((code) => code === value);
}

// What browsers throw when fetch never reaches the server (Chromium, Firefox, Safari).
const FAILED_FETCH = /failed to fetch|networkerror|load failed|network request failed/i;

/** Anything caught, as a ServiceError: a fetch that never got through is `network`, a bug `unknown` named by its error type. */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof Error) {
    if (error.name === 'TypeError' && FAILED_FETCH.test(error.message)) return new ServiceError('network', error.message);
    return new ServiceError('unknown', error.message, { backendCode: error.name });
  }
  return new ServiceError('unknown', String(error));
}

/**
 * SQLSTATEs our SQL API raises (supabase/migrations) or the UI can meet through PostgREST, PostgREST's own
 * codes, and the codes the Edge Functions answer with (http.ts errorResponse), by meaning.
 */
export const BACKEND_CODES = {
  '42501': 'forbidden',
  PGRST301: 'unauthorized',
  PGRST302: 'unauthorized',
  PGRST303: 'unauthorized',
  PGRST116: 'not_found',
  LQ404: 'not_found',
  LQ409: 'conflict',
  // A lead with waiting or in-flight items (its delete is refused with PostgREST's PT409).
  PT409: 'conflict',
  '23505': 'conflict',
  '40001': 'conflict',
  '40P01': 'conflict',
  '55P03': 'conflict',
  LQ422: 'capacity_exceeded',
  '22023': 'invalid_input',
  '22P02': 'invalid_input',
  '22007': 'invalid_input',
  '22008': 'invalid_input',
  '22001': 'invalid_input',
  '22003': 'invalid_input',
  '23502': 'invalid_input',
  '23503': 'invalid_input',
  '23514': 'invalid_input',
  P0001: 'invalid_input',
  '57014': 'timeout',
  '53300': 'unavailable',
  '57P01': 'unavailable',
  '08000': 'unavailable',
  '08003': 'unavailable',
  '08006': 'unavailable',
  PGRST000: 'unavailable',
  PGRST001: 'unavailable',
  PGRST002: 'unavailable',
  PGRST003: 'timeout',
  PGRST202: 'bad_response',
  PGRST204: 'bad_response',
  PGRST205: 'bad_response',
  internal_error: 'server_error',
  session_not_found: 'unauthorized',
  refresh_token_not_found: 'unauthorized',
  refresh_token_already_used: 'unauthorized',
  bad_jwt: 'unauthorized',
  no_authorization: 'unauthorized',
  over_request_rate_limit: 'rate_limited',
  validation_failed: 'invalid_input',
} as const satisfies Record<string, ServiceErrorCode>;

export const STATUS_CODES = {
  0: 'network',
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'timeout',
  409: 'conflict',
  422: 'invalid_input',
  429: 'rate_limited',
  500: 'server_error',
  502: 'network',
  503: 'unavailable',
  504: 'timeout',
} as const satisfies Record<number, ServiceErrorCode>;

function known<T extends object>(table: T, key: PropertyKey | undefined | null): ServiceErrorCode | undefined {
  return key !== undefined && key !== null && Object.hasOwn(table, key) ? (table[key as keyof T] as ServiceErrorCode) : undefined;
}

function codeFor(backendCode: string | undefined, status: number | null): ServiceErrorCode {
  // enqueue_leads answers with the product's own codes (business_closed, capacity_exceeded, …).
  if (isServiceErrorCode(backendCode)) return backendCode;
  return known(BACKEND_CODES, backendCode) ?? known(STATUS_CODES, status) ?? 'unknown';
}

/** A PostgREST error (supabase-js reports a failed fetch as status 0 with an empty code). */
export function fromPostgrest(error: { message: string; code: string }, status: number): ServiceError {
  return new ServiceError(codeFor(error.code || undefined, status), error.message, error.code ? { backendCode: error.code } : {}, status);
}

/** A GoTrue error from supabase-js auth. */
export function fromAuth(error: unknown): ServiceError {
  if (isAuthRetryableFetchError(error)) return new ServiceError('network', error.message, {}, error.status);
  if (!isAuthError(error)) return toServiceError(error);
  const status = error.status ?? null;
  // GoTrue answers 400 invalid_credentials (older servers: invalid_grant) for a wrong pair.
  const wrongPair = error.code === 'invalid_credentials' || (status === 400 && (error.code === undefined || error.code === 'invalid_grant'));
  const code = wrongPair ? 'invalid_credentials' : codeFor(error.code, status);
  return new ServiceError(code, error.message, error.code ? { backendCode: error.code } : {}, status);
}

const FunctionErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    nextWindow: z.optional(z.nullable(z.object({ start: z.string(), end: z.string() }))),
    retryAfter: z.optional(z.number()),
  }),
});

/** An Edge Function failure: its `{error: {code, message, …}}` body (http.ts errorResponse), or the fetch that failed. */
export async function fromFunctions(error: unknown): Promise<ServiceError> {
  if (!(error instanceof FunctionsHttpError)) {
    // FunctionsFetchError and FunctionsRelayError: the function was never reached.
    return new ServiceError('network', error instanceof Error ? error.message : String(error));
  }
  const response: unknown = error.context;
  if (!(response instanceof Response)) return new ServiceError('unknown', error.message);
  const parsed = FunctionErrorBody.safeParse(await response.json().catch(() => null));
  if (!parsed.success) return new ServiceError(codeFor(undefined, response.status), `HTTP ${response.status}`, {}, response.status);
  const { code, message, nextWindow, retryAfter } = parsed.data.error;
  const details: ServiceErrorDetails = { backendCode: code };
  if (nextWindow !== undefined) details.nextWindow = nextWindow;
  const wait = retryAfter ?? (Number(response.headers.get('retry-after')) || undefined);
  if (wait !== undefined) details.retryAfter = wait;
  return new ServiceError(functionErrorCode(code, response.status), message, details, response.status);
}

/** What an Edge Function's `{error: {code}}` means here: its own code when the app knows it, else by meaning or status. */
export function functionErrorCode(code: string, status: number): ServiceErrorCode {
  return isServiceErrorCode(code) ? code : codeFor(code, status);
}

interface QueryResult<T> {
  data: T | null;
  error: { message: string; code: string } | null;
  status: number;
}

/** Unwraps a supabase-js `{data, error}` result, throwing the error as a ServiceError. */
export function unwrap<T>(result: QueryResult<T>): T {
  if (result.error) throw fromPostgrest(result.error, result.status);
  if (result.data === null) throw new ServiceError('bad_response', 'No data returned', {}, result.status);
  return result.data;
}

/** Checks a response whose generated type is `Json` or too loose; a mismatch is a `bad_response`. */
export function parseResponse<T>(schema: z.ZodMiniType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`);
  throw new ServiceError('bad_response', `Unexpected ${what}: ${issues.join('; ')}`);
}
