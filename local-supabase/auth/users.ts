import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** A user as GoTrue serialises it (GET /user, admin endpoints, the `user` of a session). */
export interface AuthUser {
  id: string;
  aud: string;
  role: string;
  email: string;
  email_confirmed_at?: string;
  phone: string;
  phone_confirmed_at?: string;
  confirmation_sent_at?: string;
  recovery_sent_at?: string;
  /** The address an email change waits to confirm. */
  new_email?: string;
  email_change_sent_at?: string;
  invited_at?: string;
  confirmed_at?: string;
  last_sign_in_at?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities: unknown[];
  created_at: string;
  updated_at: string;
  banned_until?: string;
  is_anonymous: boolean;
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  phone: string | null;
  email_confirmed_at: Date | null;
  phone_confirmed_at: Date | null;
  confirmation_sent_at: Date | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
  invited_at: Date | null;
  confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
  banned_until: Date | null;
  is_anonymous: boolean;
  identities: unknown[];
}

const USER_COLUMNS = `
  u.id, u.aud, u.role, u.email, u.phone, u.email_confirmed_at, u.phone_confirmed_at, u.confirmation_sent_at,
  u.recovery_sent_at, u.email_change, u.email_change_sent_at, u.invited_at, u.confirmed_at, u.last_sign_in_at, u.raw_app_meta_data, u.raw_user_meta_data, u.created_at, u.updated_at,
  u.banned_until, u.is_anonymous,
  coalesce((
    select json_agg(json_build_object(
      'identity_id', i.id, 'id', i.provider_id, 'user_id', i.user_id, 'identity_data', i.identity_data,
      'provider', i.provider, 'last_sign_in_at', i.last_sign_in_at, 'created_at', i.created_at,
      'updated_at', i.updated_at, 'email', i.email) order by i.created_at)
    from auth.identities i where i.user_id = u.id), '[]'::json) as identities`;

const ZERO_INSTANCE = '00000000-0000-0000-0000-000000000000';

function iso(value: Date | null): string | undefined {
  return value ? value.toISOString() : undefined;
}

function toUser(row: UserRow): AuthUser {
  const user: AuthUser = {
    id: row.id,
    aud: row.aud ?? 'authenticated',
    role: row.role ?? 'authenticated',
    email: row.email ?? '',
    email_confirmed_at: iso(row.email_confirmed_at),
    phone: row.phone ?? '',
    phone_confirmed_at: iso(row.phone_confirmed_at),
    confirmation_sent_at: iso(row.confirmation_sent_at),
    recovery_sent_at: iso(row.recovery_sent_at),
    new_email: row.email_change || undefined,
    email_change_sent_at: iso(row.email_change_sent_at),
    invited_at: iso(row.invited_at),
    confirmed_at: iso(row.confirmed_at),
    last_sign_in_at: iso(row.last_sign_in_at),
    app_metadata: row.raw_app_meta_data ?? {},
    user_metadata: row.raw_user_meta_data ?? {},
    identities: row.identities,
    created_at: iso(row.created_at) ?? '',
    updated_at: iso(row.updated_at) ?? '',
    banned_until: iso(row.banned_until),
    is_anonymous: row.is_anonymous,
  };
  // GoTrue omits empty timestamps rather than sending null.
  for (const key of Object.keys(user) as Array<keyof AuthUser>) if (user[key] === undefined) delete user[key];
  return user;
}

export async function findUserById(db: Queryable, id: string): Promise<AuthUser | null> {
  const { rows } = await db.query<UserRow>(`select ${USER_COLUMNS} from auth.users u where u.id = $1 and u.deleted_at is null`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserIdByEmail(db: Queryable, email: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    'select id from auth.users where lower(email) = lower($1) and is_sso_user = false and deleted_at is null',
    [email],
  );
  return rows[0]?.id ?? null;
}

/** What the password grant needs to know of a user before and after comparing the password. */
export interface SignInCandidate {
  id: string;
  hasPassword: boolean;
  passwordMatches: boolean;
  confirmed: boolean;
  bannedUntil: Date | null;
}

/** Compares with pgcrypto's bcrypt, so seed rows written with `crypt(pw, gen_salt('bf'))` work. */
export async function findSignInCandidate(db: Queryable, email: string, password: string): Promise<SignInCandidate | null> {
  const { rows } = await db.query<{ id: string; email_confirmed_at: Date | null; banned_until: Date | null; has_password: boolean; matches: boolean }>(
    `select id, email_confirmed_at, banned_until,
            coalesce(encrypted_password, '') like '$2%' as has_password,
            coalesce(encrypted_password like '$2%' and encrypted_password = extensions.crypt($2, encrypted_password), false) as matches
       from auth.users
      where lower(email) = lower($1) and deleted_at is null and is_sso_user = false`,
    [email, password],
  );
  const row = rows[0];
  return row
    ? { id: row.id, hasPassword: row.has_password, passwordMatches: row.matches, confirmed: row.email_confirmed_at !== null, bannedUntil: row.banned_until }
    : null;
}

/** True when the stored password is `password` (GoTrue refuses a "change" to the same one). */
export async function passwordIs(db: Queryable, id: string, password: string): Promise<boolean> {
  const { rows } = await db.query<{ same: boolean }>(
    `select coalesce(encrypted_password like '$2%' and encrypted_password = extensions.crypt($2, encrypted_password), false) as same
       from auth.users where id = $1`,
    [id, password],
  );
  return rows[0]?.same ?? false;
}

export async function bannedUntil(db: Queryable, id: string): Promise<Date | null> {
  const { rows } = await db.query<{ banned_until: Date | null }>('select banned_until from auth.users where id = $1', [id]);
  return rows[0]?.banned_until ?? null;
}

export const isBanned = (until: Date | null, now: Date): boolean => until !== null && until > now;

export interface NewUser {
  /** Null for an anonymous user. */
  email: string | null;
  password: string | null;
  confirmed: boolean;
  userMetadata: Record<string, unknown>;
  appMetadata: Record<string, unknown>;
  invited?: boolean;
  now: Date;
}

/**
 * Inserts the user (and, with an e-mail, its email identity) exactly as GoTrue leaves them: token columns
 * '' not NULL, user_metadata what the caller gave, app_metadata with the provider.
 */
export async function insertUser(db: Queryable, input: NewUser): Promise<string> {
  const id = randomUUID();
  const email = input.email?.toLowerCase() ?? null;
  const provider = email === null ? 'anonymous' : 'email';
  const appMetadata = { provider, providers: [provider], ...input.appMetadata };
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
        confirmation_sent_at, invited_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous,
        confirmation_token, recovery_token, email_change_token_new, email_change)
      values ($1, $2, 'authenticated', 'authenticated', $3::text,
        case when $4::text is null then '' else extensions.crypt($4::text, extensions.gen_salt('bf', 10)) end,
        case when $5 then $6::timestamptz end, null, case when $9 then $6::timestamptz end,
        $7, $8, $6, $6, $3::text is null, '', '', '', '')`,
    [ZERO_INSTANCE, id, email, input.password, input.confirmed, input.now, JSON.stringify(appMetadata), JSON.stringify(input.userMetadata), input.invited ?? false],
  );
  if (email !== null) {
    const identityData = { sub: id, email, email_verified: input.confirmed, phone_verified: false };
    await db.query(
      `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
        values ($1, $2, $3, 'email', $4, $4, $4)`,
      [id, id, JSON.stringify(identityData), input.now],
    );
  }
  return id;
}

export interface UserChanges {
  email?: string;
  password?: string;
  /** Merged key by key; a null value removes the key (GoTrue's rule). */
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
  confirmEmail?: boolean;
  bannedUntil?: Date | null;
  /** The new address of an email change that waits for its confirmation ('' ends it). */
  emailChange?: string;
}

function mergeSql(column: string, param: string): string {
  return `jsonb_strip_nulls(coalesce(${column}, '{}'::jsonb) || ${param}::jsonb)`;
}

export async function updateUser(db: Queryable, id: string, changes: UserChanges, now: Date): Promise<void> {
  const sets: string[] = ['updated_at = $2'];
  const params: unknown[] = [id, now];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (changes.email !== undefined) sets.push(`email = ${add(changes.email.toLowerCase())}`, 'is_anonymous = false', `email_change = ''`);
  if (changes.emailChange !== undefined) sets.push(`email_change = ${add(changes.emailChange.toLowerCase())}`);
  if (changes.password !== undefined) sets.push(`encrypted_password = extensions.crypt(${add(changes.password)}::text, extensions.gen_salt('bf', 10))`);
  if (changes.userMetadata) sets.push(`raw_user_meta_data = ${mergeSql('raw_user_meta_data', add(JSON.stringify(changes.userMetadata)))}`);
  if (changes.appMetadata) sets.push(`raw_app_meta_data = ${mergeSql('raw_app_meta_data', add(JSON.stringify(changes.appMetadata)))}`);
  if (changes.confirmEmail) sets.push('email_confirmed_at = coalesce(email_confirmed_at, $2)');
  if (changes.bannedUntil !== undefined) sets.push(`banned_until = ${add(changes.bannedUntil)}`);
  await db.query(`update auth.users set ${sets.join(', ')} where id = $1`, params);
  if (changes.email !== undefined) {
    // An anonymous user gets its email identity with its first address.
    await db.query(
      `insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
         values ($1::text, $1::uuid, jsonb_build_object('sub', $1::text, 'email', $2::text, 'email_verified', false, 'phone_verified', false), 'email', $3, $3)
       on conflict (provider_id, provider) do update
         set identity_data = auth.identities.identity_data || jsonb_build_object('email', $2::text), updated_at = $3`,
      [id, changes.email.toLowerCase(), now],
    );
  }
  if (changes.confirmEmail) {
    await db.query(
      `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb where user_id = $1 and provider = 'email'`,
      [id],
    );
  }
}

export interface UserPage {
  page: number;
  perPage: number;
  /** `email LIKE %filter% OR user_metadata.full_name ILIKE %filter%`, as GoTrue's admin list. */
  filter: string;
  direction: 'asc' | 'desc';
}

/** GoTrue's admin list: newest first unless `sort=created_at asc`. */
export async function listUsers(db: Queryable, query: UserPage): Promise<{ users: AuthUser[]; total: number }> {
  const where = `u.deleted_at is null and ($1 = '' or u.email like '%' || $1 || '%' or u.raw_user_meta_data ->> 'full_name' ilike '%' || $1 || '%')`;
  const { rows } = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u where ${where} order by u.created_at ${query.direction}, u.id ${query.direction} limit $2 offset $3`,
    [query.filter, query.perPage, (query.page - 1) * query.perPage],
  );
  const { rows: count } = await db.query<{ total: string }>(`select count(*) as total from auth.users u where ${where}`, [query.filter]);
  return { users: rows.map(toUser), total: Number(count[0]?.total ?? 0) };
}

export async function deleteUser(db: Queryable, id: string, soft: boolean, now: Date): Promise<boolean> {
  if (soft) {
    const result = await db.query(
      `update auth.users set deleted_at = $2, email = null, phone = null, encrypted_password = '', updated_at = $2
        where id = $1 and deleted_at is null`,
      [id, now],
    );
    await db.query('delete from auth.sessions where user_id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }
  const result = await db.query('delete from auth.users where id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}
