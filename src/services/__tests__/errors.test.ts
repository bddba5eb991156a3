import { AuthApiError, AuthRetryableFetchError, FunctionsFetchError, FunctionsHttpError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { fromAuth, fromFunctions, fromPostgrest, parseResponse, ServiceError, toServiceError, unwrap } from '@/services/errors';
import { QueueStatusRows, StoredSettingsRow } from '@/services/queue/schemas';
import { DEFAULT_SETTINGS } from '@/lib/settings';

const functionFailure = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new FunctionsHttpError(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } }));

describe('ServiceError mapping', () => {
  it('names PostgREST and SQLSTATE failures by meaning', () => {
    expect(fromPostgrest({ message: 'Only a client admin can cancel queue items', code: '42501' }, 403)).toMatchObject({
      code: 'forbidden',
      status: 403,
      details: { backendCode: '42501' },
    });
    expect(fromPostgrest({ message: 'Daily capacity exceeded (201/200)', code: 'LQ422' }, 400).code).toBe('capacity_exceeded');
    expect(fromPostgrest({ message: 'new row violates check constraint', code: '23514' }, 400).code).toBe('invalid_input');
    expect(fromPostgrest({ message: 'illegal transition', code: 'LQ409' }, 400).code).toBe('conflict');
    expect(fromPostgrest({ message: 'JWT expired', code: 'PGRST303' }, 401).code).toBe('unauthorized');
    expect(fromPostgrest({ message: 'division by zero', code: '22012' }, 400).code).toBe('invalid_input');
    expect(fromPostgrest({ message: 'internal', code: 'XX000' }, 500).code).toBe('server_error');
    expect(fromPostgrest({ message: 'canceling statement due to statement timeout', code: '57014' }, 500).code).toBe('timeout');
    expect(fromPostgrest({ message: 'Database client error', code: 'PGRST000' }, 503).code).toBe('unavailable');
    expect(fromPostgrest({ message: 'odd', code: 'XX999' }, 418)).toMatchObject({ code: 'unknown', details: { backendCode: 'XX999' } });
  });

  it('calls a fetch that never reached the server a network failure', () => {
    // What supabase-js returns when fetch itself throws: status 0, empty code.
    expect(fromPostgrest({ message: 'TypeError: Failed to fetch', code: '' }, 0)).toMatchObject({ code: 'network', details: {} });
  });

  it('unwraps data, throws the error, and calls a missing body a bad response', () => {
    expect(unwrap({ data: [1, 2], error: null, status: 200 })).toEqual([1, 2]);
    expect(() => unwrap({ data: null, error: { message: 'permission denied', code: '42501' }, status: 403 })).toThrow(
      expect.objectContaining({ name: 'ServiceError', code: 'forbidden', message: 'permission denied' }),
    );
    expect(() => unwrap({ data: null, error: null, status: 204 })).toThrow(expect.objectContaining({ code: 'bad_response' }));
  });

  it('tells a wrong password from a server that cannot be reached', () => {
    expect(fromAuth(new AuthApiError('Invalid login credentials', 400, 'invalid_credentials')).code).toBe('invalid_credentials');
    expect(fromAuth(new AuthApiError('Invalid login credentials', 400, undefined)).code).toBe('invalid_credentials');
    expect(fromAuth(new AuthApiError('Request rate limit reached', 429, 'over_request_rate_limit')).code).toBe('rate_limited');
    expect(fromAuth(new AuthRetryableFetchError('Failed to fetch', 0)).code).toBe('network');
    // GoTrue's answer for a session revoked elsewhere is a 403, but it means "sign in again", not "not allowed".
    expect(fromAuth(new AuthApiError('Session from session_id claim in JWT does not exist', 403, 'session_not_found')).code).toBe('unauthorized');
  });

  it('reads an Edge Function refusal: code, message, next window and wait', async () => {
    const window = { start: '2024-01-14T07:00:00.000Z', end: '2024-01-14T15:00:00.000Z' };
    const closed = await fromFunctions(functionFailure(422, { error: { code: 'business_closed', message: 'Cannot schedule for saturday - business closed', nextWindow: window } }));
    expect(closed).toMatchObject({ code: 'business_closed', status: 422, message: 'Cannot schedule for saturday - business closed', details: { nextWindow: window } });

    const limited = await fromFunctions(functionFailure(429, { error: { code: 'rate_limited', message: 'Rate limit exceeded. Try again in 6s' } }, { 'Retry-After': '6' }));
    expect(limited).toMatchObject({ code: 'rate_limited', details: { retryAfter: 6 } });
  });

  it('falls back to the HTTP status for a body it does not know, and to network when the function was not reached', async () => {
    expect(await fromFunctions(functionFailure(401, { msg: 'Invalid JWT' }))).toMatchObject({ code: 'unauthorized', message: 'HTTP 401' });
    expect(await fromFunctions(functionFailure(405, { error: { code: 'method_not_allowed', message: 'Use POST' } }))).toMatchObject({
      code: 'unknown',
      details: { backendCode: 'method_not_allowed' },
    });
    expect((await fromFunctions(new FunctionsFetchError(new TypeError('Failed to fetch')))).code).toBe('network');
    expect(await fromFunctions(functionFailure(500, { error: { code: 'internal_error', message: 'Could not queue the leads' } }))).toMatchObject({
      code: 'server_error',
      details: { backendCode: 'internal_error' },
    });
  });

  it('keeps a ServiceError as it is, calls a fetch that never got through a network failure, and anything else unknown by its type', () => {
    const original = new ServiceError('conflict', 'changed meanwhile');
    expect(toServiceError(original)).toBe(original);
    expect(toServiceError(new TypeError('Failed to fetch'))).toMatchObject({ code: 'network' });
    expect(toServiceError(new TypeError('NetworkError when attempting to fetch resource.'))).toMatchObject({ code: 'network' });
    expect(toServiceError(new TypeError('x is undefined'))).toMatchObject({ code: 'unknown', message: 'x is undefined', details: { backendCode: 'TypeError' } });
  });
});

describe('response schemas', () => {
  const status = {
    depth: 3,
    due_now: 1,
    queued: 0,
    processing: 1,
    sent_24h: 8,
    failed_24h: 2,
    success_rate: null,
    oldest_pending_seconds: null,
    processing_state: 'paused',
    last_processor_run_at: null,
    sending_paused_until: null,
  };

  it('accepts the nulls the generated types leave out, and drops columns the app does not read', () => {
    expect(parseResponse(QueueStatusRows, [status], 'queue_status() result')).toEqual([
      { depth: 3, queued: 0, processing: 1, sent_24h: 8, failed_24h: 2, success_rate: null, oldest_pending_seconds: null, processing_state: 'paused', last_processor_run_at: null, sending_paused_until: null },
    ]);
  });

  it('turns a response of the wrong shape into a bad_response that says where', () => {
    expect(() => parseResponse(QueueStatusRows, [{ ...status, depth: '3' }], 'queue_status() result')).toThrow(
      expect.objectContaining({ code: 'bad_response', message: expect.stringContaining('0.depth') }),
    );
    const settings = { ...DEFAULT_SETTINGS, holiday_calendar: 'US', processing_state: 'running', last_processor_run_at: null };
    expect(() => parseResponse(StoredSettingsRow, settings, 'settings row')).toThrow(expect.objectContaining({ message: expect.stringContaining('holiday_calendar') }));
  });
});
