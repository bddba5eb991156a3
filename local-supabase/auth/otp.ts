import { createHash, randomInt } from 'node:crypto';
import type pg from 'pg';

/**
 * One-time tokens as GoTrue keeps them: the user row holds sha224(email + otp) in the column of the
 * flow, with the time it was sent; a mail carries the OTP and a link with the hash.
 */

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export type TokenKind = 'confirmation' | 'recovery' | 'email_change_new' | 'email_change_current' | 'reauthentication';

const COLUMNS: Record<TokenKind, { token: string; sentAt: string }> = {
  confirmation: { token: 'confirmation_token', sentAt: 'confirmation_sent_at' },
  recovery: { token: 'recovery_token', sentAt: 'recovery_sent_at' },
  email_change_new: { token: 'email_change_token_new', sentAt: 'email_change_sent_at' },
  email_change_current: { token: 'email_change_token_current', sentAt: 'email_change_sent_at' },
  reauthentication: { token: 'reauthentication_token', sentAt: 'reauthentication_sent_at' },
};

export function generateOtp(length: number): string {
  let otp = '';
  for (let index = 0; index < length; index += 1) otp += String(randomInt(10));
  return otp;
}

/** GoTrue's GenerateTokenHash: hex sha224 of the address followed by the OTP. */
export function tokenHash(email: string, otp: string): string {
  return createHash('sha224').update(`${email}${otp}`).digest('hex');
}

/** When the last token of this kind went out (GoTrue's per-user mail frequency limit reads it). */
export async function lastSent(db: Queryable, userId: string, kind: TokenKind): Promise<Date | null> {
  const { rows } = await db.query<{ sent_at: Date | null }>(`select ${COLUMNS[kind].sentAt} as sent_at from auth.users where id = $1`, [userId]);
  return rows[0]?.sent_at ?? null;
}

export async function storeToken(db: Queryable, userId: string, kind: TokenKind, hash: string, now: Date): Promise<void> {
  const { token, sentAt } = COLUMNS[kind];
  await db.query(`update auth.users set ${token} = $2, ${sentAt} = $3 where id = $1`, [userId, hash, now]);
}

export async function clearToken(db: Queryable, userId: string, kind: TokenKind): Promise<void> {
  await db.query(`update auth.users set ${COLUMNS[kind].token} = '' where id = $1`, [userId]);
}

export interface TokenOwner {
  id: string;
  email: string | null;
  /** The pending new address of an email change. */
  emailChange: string;
  sentAt: Date | null;
}

/** The user holding this hash for this kind of flow; an empty hash never matches. */
export async function findTokenOwner(db: Queryable, kind: TokenKind, hash: string): Promise<TokenOwner | null> {
  if (hash === '') return null;
  const { token, sentAt } = COLUMNS[kind];
  const { rows } = await db.query<{ id: string; email: string | null; email_change: string | null; sent_at: Date | null }>(
    `select id, email, email_change, ${sentAt} as sent_at from auth.users where ${token} = $1 and deleted_at is null`,
    [hash],
  );
  const row = rows[0];
  return row ? { id: row.id, email: row.email, emailChange: row.email_change ?? '', sentAt: row.sent_at } : null;
}
