import { randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../connections.ts';
import { signAccessToken } from './tokens.ts';
import { findUserById, type AuthUser } from './users.ts';

export interface Session {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: AuthUser;
}

export interface SessionContext {
  issuer: string;
  jwtExpiry: number;
  now: Date;
}

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** GoTrue's legacy refresh tokens: 12 random lower-case letters and digits (the only format it accepts at that length). */
function newRefreshToken(): string {
  let token = '';
  for (let index = 0; index < 12; index += 1) token += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return token;
}

/** GoTrue's RefreshTokenGrantParams.Validate: anything else is refused before any lookup. */
export function wellFormedRefreshToken(token: string): boolean {
  return /^[a-z0-9]{12}$/.test(token);
}

/** GoTrue's authentication methods, as the `amr` claim names them. */
export type AuthMethod = 'password' | 'otp' | 'magiclink' | 'recovery' | 'invite' | 'email/signup' | 'email_change' | 'anonymous';

async function insertRefreshToken(client: pg.PoolClient, userId: string, sessionId: string, parent: string | null, now: Date): Promise<string> {
  const token = newRefreshToken();
  await client.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
      values ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $3, $4, $5)`,
    [token, userId, now, parent, sessionId],
  );
  return token;
}

async function sessionFor(client: pg.PoolClient, userId: string, sessionId: string, refreshToken: string, context: SessionContext): Promise<Session> {
  const user = await findUserById(client, userId);
  if (!user) throw new Error(`user ${userId} vanished`);
  const issuedAt = Math.floor(context.now.getTime() / 1000);
  const { rows } = await client.query<{ method: string; at: Date }>(
    'select authentication_method as method, created_at as at from auth.mfa_amr_claims where session_id = $1 order by created_at desc',
    [sessionId],
  );
  const amr = rows.map((row) => ({ method: row.method, timestamp: Math.floor(row.at.getTime() / 1000) }));
  const access = await signAccessToken({
    issuer: context.issuer,
    userId,
    email: user.email,
    phone: user.phone,
    appMetadata: user.app_metadata,
    userMetadata: user.user_metadata,
    sessionId,
    issuedAt,
    expiresIn: context.jwtExpiry,
    isAnonymous: user.is_anonymous,
    amr,
  });
  return {
    access_token: access,
    token_type: 'bearer',
    expires_in: context.jwtExpiry,
    expires_at: issuedAt + context.jwtExpiry,
    refresh_token: refreshToken,
    user,
  };
}

export function startSession(pool: pg.Pool, userId: string, userAgent: string | null, context: SessionContext, method: AuthMethod = 'password'): Promise<Session> {
  return inTransaction(pool, async (client) => {
    const sessionId = randomUUID();
    await client.query(
      `insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent) values ($1, $2, $3, $3, 'aal1', $4)`,
      [sessionId, userId, context.now, userAgent],
    );
    await client.query(
      `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id) values ($1, $2, $2, $3, $4)`,
      [sessionId, context.now, method, randomUUID()],
    );
    await client.query('update auth.users set last_sign_in_at = $2, updated_at = $2 where id = $1', [userId, context.now]);
    await client.query(`update auth.identities set last_sign_in_at = $2 where user_id = $1 and provider = 'email'`, [userId, context.now]);
    const token = await insertRefreshToken(client, userId, sessionId, null, context.now);
    return sessionFor(client, userId, sessionId, token, context);
  });
}

export type RefreshResult =
  | { ok: true; session: Session }
  | { ok: false; code: 'refresh_token_not_found' | 'refresh_token_already_used' | 'user_banned'; message: string };

/**
 * Rotation as GoTrue does it: the presented token is revoked and a child issued. A revoked token
 * that is the parent of the session's active one gets that active token back (the client lost
 * the last answer); another revoked token is accepted only within the reuse interval, after which
 * it counts as theft and every token of the session is revoked.
 */
export async function refreshSession(pool: pg.Pool, token: string, context: SessionContext & { reuseIntervalSeconds: number }): Promise<RefreshResult> {
  return inTransaction(pool, async (client): Promise<RefreshResult> => {
    const { rows } = await client.query<{ revoked: boolean; session_id: string | null; user_id: string; updated_at: Date; live: boolean; banned: boolean }>(
      `select rt.revoked, rt.session_id, rt.user_id, rt.updated_at, s.id is not null as live, coalesce(u.banned_until > $2, false) as banned
         from auth.refresh_tokens rt
         left join auth.sessions s on s.id = rt.session_id
         left join auth.users u on u.id::text = rt.user_id
        where rt.token = $1
        for update of rt`,
      [token, context.now],
    );
    const row = rows[0];
    if (!row || !row.session_id || !row.live) {
      return { ok: false, code: 'refresh_token_not_found', message: 'Invalid Refresh Token: Refresh Token Not Found' };
    }
    if (row.banned) return { ok: false, code: 'user_banned', message: 'Invalid Refresh Token: User Banned' };
    // Serialises concurrent refreshes of one session, as GoTrue's row lock does.
    await client.query('select 1 from auth.sessions where id = $1 for update', [row.session_id]);
    const touchSession = () =>
      client.query(
        `update auth.sessions set refreshed_at = $2::timestamptz at time zone 'utc', updated_at = $2::timestamptz where id = $1`,
        [row.session_id, context.now],
      );
    if (row.revoked) {
      const { rows: active } = await client.query<{ token: string; parent: string | null }>(
        `select token, parent from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1`,
        [row.session_id],
      );
      if (active[0] && active[0].parent === token) {
        await touchSession();
        return { ok: true, session: await sessionFor(client, row.user_id, row.session_id, active[0].token, context) };
      }
      if (context.now.getTime() > row.updated_at.getTime() + context.reuseIntervalSeconds * 1000) {
        await client.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where session_id = $1 and revoked = false', [
          row.session_id,
          context.now,
        ]);
        return { ok: false, code: 'refresh_token_already_used', message: 'Invalid Refresh Token: Already Used' };
      }
    }
    await client.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where token = $1', [token, context.now]);
    await touchSession();
    const child = await insertRefreshToken(client, row.user_id, row.session_id, token, context.now);
    return { ok: true, session: await sessionFor(client, row.user_id, row.session_id, child, context) };
  });
}

export async function sessionExists(pool: pg.Pool, sessionId: string): Promise<boolean> {
  const { rows } = await pool.query('select 1 from auth.sessions where id = $1', [sessionId]);
  return rows.length > 0;
}

/** GoTrue's logout scopes: global (every session of the user), local (this one), others. */
export async function endSessions(pool: pg.Pool, userId: string, sessionId: string | null, scope: 'global' | 'local' | 'others'): Promise<void> {
  if (scope === 'local') {
    if (sessionId) await pool.query('delete from auth.sessions where id = $1', [sessionId]);
    return;
  }
  if (scope === 'others') {
    await pool.query('delete from auth.sessions where user_id = $1 and id is distinct from $2', [userId, sessionId]);
    return;
  }
  await pool.query('delete from auth.sessions where user_id = $1', [userId]);
}
