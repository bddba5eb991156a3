import type pg from 'pg';
import type { StackConfig } from '../config.ts';
import type { GatewayRequest, GatewayResponse, RequestAuth } from '../types.ts';
import type { JwtError } from './tokens.ts';
import { inTransaction } from '../connections.ts';
import { endSessions, refreshSession, sessionExists, startSession, type SessionContext } from './sessions.ts';
import {
  checkPassword,
  deleteUser,
  findUserById,
  findUserIdByEmail,
  insertUser,
  listUsers,
  updateUser,
  type UserChanges,
} from './users.ts';

/** The caller as the gateway verified it once. */
export interface AuthCaller {
  token: string | null;
  auth: RequestAuth | null;
  error: JwtError | null;
}

export interface AuthHandlerOptions {
  /** Superuser pool: the auth server owns the auth schema. */
  pool: pg.Pool;
  config: StackConfig;
  /** `<api url>/auth/v1`, known once the gateway listens. */
  issuer: () => string;
  now: () => Date;
}

export type AuthHandler = (request: GatewayRequest, caller: AuthCaller) => Promise<GatewayResponse>;

const API_VERSION = '2024-01-01';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);

class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function reply(status: number, body?: unknown, headers: Record<string, string> = {}): GatewayResponse {
  const base = { 'x-supabase-api-version': API_VERSION, ...headers };
  if (body === undefined) return { status, headers: base };
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...base }, body: JSON.stringify(body) };
}

function parseJson(request: GatewayRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(request.body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the same error as a non-object body
  }
  throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function object(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** GoTrue's durations for ban_duration: "none" or Go-style like "24h", "90m", "1h30m". */
function banUntil(value: string, now: Date): Date | null {
  if (value === 'none') return null;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  const parts = value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g);
  let matched = '';
  for (const part of parts) {
    total += Number(part[1]) * units[part[2]!]!;
    matched += part[0];
  }
  if (matched !== value || matched === '') throw new AuthError(400, 'validation_failed', 'invalid format for ban duration');
  return new Date(now.getTime() + total);
}

/** A failing write (a project trigger, a foreign key) surfaces as GoTrue reports it: 500 with a generic message. */
async function databaseStep<T>(message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (typeof (error as { code?: unknown }).code === 'string') throw new AuthError(500, 'unexpected_failure', message);
    throw error;
  }
}

export function createAuthHandler(options: AuthHandlerOptions): AuthHandler {
  const { pool, config } = options;

  const context = (): SessionContext => ({ issuer: options.issuer(), jwtExpiry: config.auth.jwtExpiry, now: options.now() });

  function checkPasswordStrength(password: string): void {
    if (password.length < config.auth.minimumPasswordLength) {
      throw new AuthError(422, 'weak_password', `Password should be at least ${config.auth.minimumPasswordLength} characters.`, {
        weak_password: { reasons: ['length'] },
      });
    }
  }

  /** GoTrue's requireAuthentication + user/session lookup. */
  async function requireUser(caller: AuthCaller): Promise<{ userId: string; sessionId: string | null }> {
    if (!caller.token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
    if (caller.error || !caller.auth) {
      const reason = caller.error?.code === 'PGRST303' ? 'token has invalid claims: token is expired' : 'signature is invalid';
      throw new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`);
    }
    const sub = text(caller.auth.claims.sub);
    if (!sub || !UUID.test(sub)) throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
    const sessionId = text(caller.auth.claims.session_id) ?? null;
    if (sessionId && !(await sessionExists(pool, sessionId))) {
      throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
    }
    if (!(await findUserById(pool, sub))) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    return { userId: sub, sessionId };
  }

  function requireAdmin(caller: AuthCaller): void {
    if (!caller.token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
    if (caller.error || !caller.auth) throw new AuthError(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
    if (!ADMIN_ROLES.has(caller.auth.role)) throw new AuthError(403, 'not_admin', 'User not allowed');
  }

  async function passwordGrant(body: Record<string, unknown>, request: GatewayRequest): Promise<GatewayResponse> {
    const email = text(body.email);
    const password = text(body.password);
    if (!email && text(body.phone)) throw new AuthError(400, 'phone_provider_disabled', 'Phone logins are disabled');
    if (!email || !password) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
    const match = await checkPassword(pool, email, password);
    if (!match) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
    const now = options.now();
    if (match.bannedUntil && match.bannedUntil > now) throw new AuthError(400, 'user_banned', 'User is banned');
    if (!match.confirmed && config.auth.enableConfirmations) throw new AuthError(400, 'email_not_confirmed', 'Email not confirmed');
    return reply(200, await startSession(pool, match.id, request.headers['user-agent'] ?? null, context()));
  }

  async function refreshGrant(body: Record<string, unknown>): Promise<GatewayResponse> {
    const token = text(body.refresh_token);
    if (!token) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    const result = await refreshSession(pool, token, { ...context(), reuseIntervalSeconds: config.auth.refreshTokenReuseInterval });
    if (!result.ok) throw new AuthError(400, result.code, result.message);
    return reply(200, result.session);
  }

  async function signup(body: Record<string, unknown>, request: GatewayRequest): Promise<GatewayResponse> {
    if (!config.auth.enableSignup) throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
    const email = text(body.email)?.trim();
    const password = text(body.password);
    if (!email) throw new AuthError(400, 'validation_failed', 'To signup, please provide your email');
    if (!EMAIL.test(email)) throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format');
    if (!password) throw new AuthError(422, 'validation_failed', 'Signup requires a valid password');
    checkPasswordStrength(password);
    if (await findUserIdByEmail(pool, email)) throw new AuthError(422, 'user_already_exists', 'User already registered');
    const confirmed = !config.auth.enableConfirmations;
    const id = await databaseStep('Database error saving new user', () => inTransaction(pool, (client) => insertUser(client, {
      email,
      password,
      confirmed,
      userMetadata: object(body.data) ?? {},
      appMetadata: {},
      now: options.now(),
    })));
    if (!confirmed) return reply(200, await findUserById(pool, id));
    return reply(200, await startSession(pool, id, request.headers['user-agent'] ?? null, context()));
  }

  function changesFrom(body: Record<string, unknown>, admin: boolean): UserChanges {
    const changes: UserChanges = {};
    const email = text(body.email);
    if (email !== undefined) {
      if (!EMAIL.test(email)) throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format');
      changes.email = email;
    }
    const password = text(body.password);
    if (password !== undefined) {
      checkPasswordStrength(password);
      changes.password = password;
    }
    const userMetadata = object(admin ? body.user_metadata : body.data);
    if (userMetadata) changes.userMetadata = userMetadata;
    if (admin) {
      const appMetadata = object(body.app_metadata);
      if (appMetadata) changes.appMetadata = appMetadata;
      if (body.email_confirm === true) changes.confirmEmail = true;
      const ban = text(body.ban_duration);
      if (ban !== undefined) changes.bannedUntil = banUntil(ban, options.now());
    }
    return changes;
  }

  async function assertEmailFree(email: string | undefined, userId: string | null): Promise<void> {
    if (email === undefined) return;
    const owner = await findUserIdByEmail(pool, email);
    if (owner && owner !== userId) {
      throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
    }
  }

  async function adminUsers(request: GatewayRequest, caller: AuthCaller, id: string | undefined): Promise<GatewayResponse> {
    requireAdmin(caller);
    const now = options.now();
    if (id === undefined) {
      if (request.method === 'GET') {
        const page = Math.max(1, Number(request.url.searchParams.get('page')) || 1);
        const perPage = Math.min(1000, Math.max(1, Number(request.url.searchParams.get('per_page')) || 50));
        const { users, total } = await listUsers(pool, page, perPage);
        const lastPage = Math.max(1, Math.ceil(total / perPage));
        const links = [];
        if (page < lastPage) links.push(`</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"`);
        links.push(`</admin/users?page=${lastPage}&per_page=${perPage}>; rel="last"`);
        return reply(200, { users, aud: 'authenticated' }, { 'x-total-count': String(total), link: links.join(', ') });
      }
      if (request.method === 'POST') {
        const body = parseJson(request);
        const email = text(body.email)?.trim();
        if (!email) throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format');
        const changes = changesFrom(body, true);
        await assertEmailFree(email, null);
        const userId = await databaseStep('Database error creating new user', () => inTransaction(pool, (client) => insertUser(client, {
          email,
          password: changes.password ?? null,
          confirmed: body.email_confirm === true,
          userMetadata: changes.userMetadata ?? {},
          appMetadata: changes.appMetadata ?? {},
          now,
        })));
        if (changes.bannedUntil !== undefined) await updateUser(pool, userId, { bannedUntil: changes.bannedUntil }, now);
        return reply(200, await findUserById(pool, userId));
      }
      throw new AuthError(405, 'method_not_allowed', 'Method not allowed');
    }
    if (!UUID.test(id)) throw new AuthError(404, 'user_not_found', 'User not found');
    const existing = await findUserById(pool, id);
    if (!existing) throw new AuthError(404, 'user_not_found', 'User not found');
    if (request.method === 'GET') return reply(200, existing);
    if (request.method === 'PUT') {
      const changes = changesFrom(parseJson(request), true);
      await assertEmailFree(changes.email, id);
      await updateUser(pool, id, changes, now);
      return reply(200, await findUserById(pool, id));
    }
    if (request.method === 'DELETE') {
      const soft = parseJson(request).should_soft_delete === true;
      await databaseStep('Database error deleting user', () => inTransaction(pool, (client) => deleteUser(client, id, soft, now)));
      return reply(200, {});
    }
    throw new AuthError(405, 'method_not_allowed', 'Method not allowed');
  }

  async function route(request: GatewayRequest, caller: AuthCaller): Promise<GatewayResponse> {
    const path = request.url.pathname.replace(/^\/auth\/v1/, '').replace(/\/+$/, '') || '/';
    const method = request.method;
    if (path === '/health' && method === 'GET') {
      return reply(200, { version: 'local', name: 'GoTrue', description: 'GoTrue stand-in of the local Supabase stack' });
    }
    // Only the symmetric secret signs tokens here, so there are no public keys to publish (as GoTrue with HS256).
    if (path === '/.well-known/jwks.json' && method === 'GET') return reply(200, { keys: [] });
    if (path === '/settings' && method === 'GET') {
      return reply(200, {
        external: { email: true, phone: false, anonymous_users: false },
        disable_signup: !config.auth.enableSignup,
        mailer_autoconfirm: !config.auth.enableConfirmations,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
      });
    }
    if (path === '/token' && method === 'POST') {
      const grant = request.url.searchParams.get('grant_type');
      const body = parseJson(request);
      if (grant === 'password') return passwordGrant(body, request);
      if (grant === 'refresh_token') return refreshGrant(body);
      throw new AuthError(400, 'validation_failed', 'Unsupported grant type');
    }
    if (path === '/signup' && method === 'POST') return signup(parseJson(request), request);
    if (path === '/user' && method === 'GET') {
      const { userId } = await requireUser(caller);
      return reply(200, await findUserById(pool, userId));
    }
    if (path === '/user' && method === 'PUT') {
      const { userId } = await requireUser(caller);
      const changes = changesFrom(parseJson(request), false);
      await assertEmailFree(changes.email, userId);
      await updateUser(pool, userId, changes, options.now());
      return reply(200, await findUserById(pool, userId));
    }
    if (path === '/logout' && method === 'POST') {
      const { userId, sessionId } = await requireUser(caller);
      const scope = request.url.searchParams.get('scope') ?? 'global';
      if (scope !== 'global' && scope !== 'local' && scope !== 'others') {
        throw new AuthError(400, 'validation_failed', 'Unsupported logout scope');
      }
      await endSessions(pool, userId, sessionId, scope);
      return reply(204);
    }
    const admin = /^\/admin\/users(?:\/([^/]+))?$/.exec(path);
    if (admin) return adminUsers(request, caller, admin[1]);
    throw new AuthError(404, 'not_found', 'Not found');
  }

  return async (request, caller) => {
    try {
      return await route(request, caller);
    } catch (error) {
      if (error instanceof AuthError) {
        // GoTrue answers in the 2024-01-01 shape only to clients that ask for it (auth-js always does).
        if (request.headers['x-supabase-api-version']) return reply(error.status, { code: error.code, message: error.message });
        const legacy = { code: error.status, error_code: error.code, msg: error.message, ...error.extra };
        return { status: error.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(legacy) };
      }
      throw error;
    }
  };
}
