import { describe, expect, it } from 'vitest';
import { fromPgError, statusForSqlState } from '../errors.ts';

describe('statusForSqlState', () => {
  it.each([
    ['42501', 'anon', 401],
    ['42501', 'authenticated', 403],
    ['42501', 'service_role', 403],
    ['23505', 'authenticated', 409],
    ['23503', 'authenticated', 409],
    ['23502', 'authenticated', 400],
    ['P0001', 'authenticated', 400],
    ['42883', 'anon', 404],
    ['42P01', 'anon', 404],
    ['25006', 'anon', 405],
    ['08006', 'anon', 503],
    ['53300', 'anon', 503],
    ['PT418', 'anon', 418],
    ['LQ422', 'authenticated', 400],
    ['XX000', 'anon', 500],
    ['57014', 'anon', 500],
    ['22P02', 'anon', 400],
  ])('maps %s for %s to %i', (code, role, status) => {
    expect(statusForSqlState(code, role)).toBe(status);
  });

  it('keeps Postgres detail and hint, and asks anon to authenticate', () => {
    const error = fromPgError({ code: '42501', message: 'permission denied for table leads', detail: 'd', hint: 'h' }, 'anon');
    expect(error.status).toBe(401);
    expect(error.headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(error.body()).toEqual({ code: '42501', details: 'd', hint: 'h', message: 'permission denied for table leads' });
  });
});

describe("raise sqlstate 'PGRST'", () => {
  const raised = (message: unknown, detail: unknown) =>
    fromPgError({ code: 'PGRST', message: JSON.stringify(message), detail: JSON.stringify(detail) }, 'authenticated');

  it('answers with the status, headers and body the function chose', () => {
    const error = raised({ code: 'business_closed', message: 'Closed', details: 'd' }, { status: 422, headers: { 'Retry-After': '6' } });
    expect(error.status).toBe(422);
    expect(error.headers).toEqual({ 'retry-after': '6' });
    expect(error.body()).toEqual({ code: 'business_closed', details: 'd', hint: null, message: 'Closed' });
  });

  it('refuses what PostgREST refuses (PGRST121): details that are not text, a missing headers object, a non-integer status', () => {
    expect(raised({ code: 'x', message: 'm', details: { next: 1 } }, { status: 422, headers: {} }).code).toBe('PGRST121');
    expect(raised({ code: 'x', message: 'm' }, { status: 422 }).code).toBe('PGRST121');
    expect(raised({ code: 1, message: 'm' }, { status: 422, headers: {} }).code).toBe('PGRST121');
    expect(raised({ code: 'x', message: 'm' }, { status: '422', headers: {} }).code).toBe('PGRST121');
  });
});
