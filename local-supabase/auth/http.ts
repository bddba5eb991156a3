import type { GatewayRequest, GatewayResponse } from '../types.ts';

/** GoTrue's request/response conventions: error codes, body parsing, the checks every endpoint shares. */

export const API_VERSION = '2024-01-01';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function reply(status: number, body?: unknown, headers: Record<string, string> = {}): GatewayResponse {
  const base = { 'x-supabase-api-version': API_VERSION, ...headers };
  if (body === undefined) return { status, headers: base };
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...base }, body: JSON.stringify(body) };
}

/** GoTrue answers in the 2024-01-01 shape only to clients that ask for it (auth-js always does). */
export function errorReply(request: GatewayRequest, error: AuthError): GatewayResponse {
  if (request.headers['x-supabase-api-version']) return reply(error.status, { code: error.code, message: error.message, ...error.extra });
  const legacy = { code: error.status, error_code: error.code, msg: error.message, ...error.extra };
  return { status: error.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(legacy) };
}

export function parseJson(request: GatewayRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(request.body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the same error as a non-object body
  }
  throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON');
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function object(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

// checkmail.ValidateFormat, the check GoTrue runs on every address it is given.
const EMAIL_FORMAT = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** GoTrue's validateEmail: required, at most 255 characters, the checkmail format; lower-cased. */
export function validateEmail(email: string | undefined): string {
  const trimmed = email?.trim() ?? '';
  if (trimmed === '') throw new AuthError(400, 'validation_failed', 'An email address is required');
  if (trimmed.length > 255) throw new AuthError(400, 'validation_failed', 'An email address is too long');
  if (!EMAIL_FORMAT.test(trimmed)) throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format');
  return trimmed.toLowerCase();
}

/** GoTrue's checkPasswordStrength with the CLI's settings: minimum length only (no required characters). */
export function checkPasswordStrength(password: string, minimumLength: number): void {
  if (password.length < minimumLength) {
    throw new AuthError(422, 'weak_password', `Password should be at least ${minimumLength} characters.`, { weak_password: { reasons: ['length'] } });
  }
}

/** GoTrue's durations for ban_duration: "none" or Go-style like "24h", "90m", "1h30m". */
export function banUntil(value: string, now: Date): Date | null {
  if (value === 'none') return null;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let matched = '';
  for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(part[1]) * (units[part[2] ?? 's'] ?? 0);
    matched += part[0];
  }
  if (matched !== value || matched === '') throw new AuthError(400, 'validation_failed', 'invalid format for ban duration');
  return new Date(now.getTime() + total);
}

/** A failing write (a project trigger, a foreign key) surfaces as GoTrue reports it: 500 with a generic message. */
export async function databaseStep<T>(message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (typeof (error as { code?: unknown }).code === 'string') throw new AuthError(500, 'unexpected_failure', message);
    throw error;
  }
}
