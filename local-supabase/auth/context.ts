import type pg from 'pg';
import type { StackConfig } from '../config.ts';
import type { RequestAuth } from '../types.ts';
import { AuthError, text } from './http.ts';
import type { Mailbox } from './mailbox.ts';
import { sessionExists, type SessionContext } from './sessions.ts';
import type { JwtError } from './tokens.ts';
import { bannedUntil, findUserById, isBanned } from './users.ts';

/** The caller as the gateway verified it once. */
export interface AuthCaller {
  token: string | null;
  auth: RequestAuth | null;
  error: JwtError | null;
}

/** What every auth endpoint shares: the database, the settings, the clock and the mailbox. */
export interface AuthContext {
  /** Superuser pool: the auth server owns the auth schema. */
  pool: pg.Pool;
  config: StackConfig;
  mailbox: Mailbox;
  now(): Date;
  /** `<api url>/auth/v1`. */
  issuer(): string;
  session(): SessionContext;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);

export const isUuid = (value: string): boolean => UUID.test(value);

export interface SignedInUser {
  userId: string;
  sessionId: string | null;
}

/** GoTrue's requireAuthentication + user/session lookup; a banned user's live token is refused too. */
export async function requireUser(context: AuthContext, caller: AuthCaller): Promise<SignedInUser> {
  if (!caller.token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
  if (caller.error || !caller.auth) {
    const reason = caller.error?.code === 'PGRST303' ? 'token has invalid claims: token is expired' : 'signature is invalid';
    throw new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`);
  }
  const sub = text(caller.auth.claims.sub);
  if (!sub || !UUID.test(sub)) throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
  const sessionId = text(caller.auth.claims.session_id) ?? null;
  if (sessionId && !(await sessionExists(context.pool, sessionId))) {
    throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
  }
  if (!(await findUserById(context.pool, sub))) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
  if (isBanned(await bannedUntil(context.pool, sub), context.now())) throw new AuthError(403, 'user_banned', 'User is banned');
  return { userId: sub, sessionId };
}

export function requireAdmin(caller: AuthCaller): void {
  if (!caller.token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
  if (caller.error || !caller.auth) throw new AuthError(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
  if (!ADMIN_ROLES.has(caller.auth.role)) throw new AuthError(403, 'not_admin', 'User not allowed');
}
