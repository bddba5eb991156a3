import { inTransaction } from '../connections.ts';
import type { GatewayRequest, GatewayResponse } from '../types.ts';
import { isUuid, requireAdmin, type AuthCaller, type AuthContext } from './context.ts';
import { AuthError, banUntil, databaseStep, object, parseJson, reply, text, validateEmail } from './http.ts';
import { actionLink, issueToken, redirectTarget } from './mail.ts';
import type { TokenKind } from './otp.ts';
import { deleteUser, findUserById, findUserIdByEmail, insertUser, listUsers, updateUser, type UserChanges } from './users.ts';

/** /admin/users and /admin/generate_link, for the service role only. */

/** GoTrue's paginate(): page and per_page must be unsigned integers. */
function pagination(request: GatewayRequest): { page: number; perPage: number } {
  const read = (name: string, fallback: number) => {
    const raw = request.url.searchParams.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new AuthError(400, 'validation_failed', `Bad Pagination Parameters: strconv.ParseUint: parsing "${raw}": invalid syntax`);
    return Number(raw);
  };
  return { page: Math.max(1, read('page', 1)), perPage: Math.min(1000, Math.max(1, read('per_page', 50))) };
}

function sortDirection(request: GatewayRequest): 'asc' | 'desc' {
  const sort = request.url.searchParams.get('sort');
  if (sort === null || sort === '') return 'desc';
  const match = /^created_at(?:\s+(asc|desc))?$/i.exec(sort.trim());
  if (!match) throw new AuthError(400, 'validation_failed', `Bad Sort Parameters: ${sort} is not a valid sort field`);
  return (match[1]?.toLowerCase() as 'asc' | 'desc' | undefined) ?? 'asc';
}

function changesFrom(context: AuthContext, body: Record<string, unknown>): UserChanges {
  const changes: UserChanges = {};
  if (body.email !== undefined) changes.email = validateEmail(text(body.email));
  // GoTrue applies no strength rule to passwords an administrator sets.
  const password = text(body.password);
  if (password !== undefined) changes.password = password;
  const userMetadata = object(body.user_metadata);
  if (userMetadata) changes.userMetadata = userMetadata;
  const appMetadata = object(body.app_metadata);
  if (appMetadata) changes.appMetadata = appMetadata;
  if (body.email_confirm === true) changes.confirmEmail = true;
  const ban = text(body.ban_duration);
  if (ban !== undefined) changes.bannedUntil = banUntil(ban, context.now());
  return changes;
}

async function assertEmailFree(context: AuthContext, email: string | undefined, userId: string | null): Promise<void> {
  if (email === undefined) return;
  const owner = await findUserIdByEmail(context.pool, email);
  if (owner && owner !== userId) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
}

export async function adminUsers(context: AuthContext, request: GatewayRequest, caller: AuthCaller, id: string | undefined): Promise<GatewayResponse> {
  requireAdmin(caller);
  const now = context.now();
  if (id === undefined) {
    if (request.method === 'GET') {
      const { page, perPage } = pagination(request);
      const filter = request.url.searchParams.get('filter') ?? '';
      const { users, total } = await listUsers(context.pool, { page, perPage, filter, direction: sortDirection(request) });
      const lastPage = Math.max(1, Math.ceil(total / perPage));
      const links = [];
      if (page < lastPage) links.push(`</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"`);
      links.push(`</admin/users?page=${lastPage}&per_page=${perPage}>; rel="last"`);
      return reply(200, { users, aud: 'authenticated' }, { 'x-total-count': String(total), link: links.join(', ') });
    }
    if (request.method === 'POST') {
      const body = parseJson(request);
      const changes = changesFrom(context, body);
      const email = validateEmail(changes.email);
      await assertEmailFree(context, email, null);
      const userId = await databaseStep('Database error creating new user', () => inTransaction(context.pool, (client) => insertUser(client, {
        email,
        password: changes.password ?? null,
        confirmed: body.email_confirm === true,
        userMetadata: changes.userMetadata ?? {},
        appMetadata: changes.appMetadata ?? {},
        now,
      })));
      if (changes.bannedUntil !== undefined) await updateUser(context.pool, userId, { bannedUntil: changes.bannedUntil }, now);
      return reply(200, await findUserById(context.pool, userId));
    }
    throw new AuthError(405, 'method_not_allowed', 'Method not allowed');
  }
  if (!isUuid(id)) throw new AuthError(404, 'user_not_found', 'User not found');
  const existing = await findUserById(context.pool, id);
  if (!existing) throw new AuthError(404, 'user_not_found', 'User not found');
  if (request.method === 'GET') return reply(200, existing);
  if (request.method === 'PUT') {
    const changes = changesFrom(context, parseJson(request));
    await assertEmailFree(context, changes.email, id);
    await updateUser(context.pool, id, changes, now);
    return reply(200, await findUserById(context.pool, id));
  }
  if (request.method === 'DELETE') {
    const soft = parseJson(request).should_soft_delete === true;
    await databaseStep('Database error deleting user', () => inTransaction(context.pool, (client) => deleteUser(client, id, soft, now)));
    return reply(200, {});
  }
  throw new AuthError(405, 'method_not_allowed', 'Method not allowed');
}

const LINK_TOKENS: Record<string, TokenKind> = {
  signup: 'confirmation',
  invite: 'confirmation',
  magiclink: 'recovery',
  recovery: 'recovery',
  email_change_current: 'email_change_current',
  email_change_new: 'email_change_new',
};

/** POST /admin/generate_link: the link (and OTP) a mail would carry, without sending it; creates signup/invite users. */
export async function generateLink(context: AuthContext, request: GatewayRequest, caller: AuthCaller): Promise<GatewayResponse> {
  requireAdmin(caller);
  const body = parseJson(request);
  let type = text(body.type) ?? '';
  const email = validateEmail(text(body.email));
  const tokenKind = LINK_TOKENS[type];
  if (!tokenKind) throw new AuthError(400, 'validation_failed', `Invalid email action link type requested: ${type}`);
  const redirect = redirectTarget(context, text(body.redirect_to) ?? request.url.searchParams.get('redirect_to'));
  const data = object(body.data) ?? {};
  let userId = await findUserIdByEmail(context.pool, email);
  const confirmed = userId ? (await findUserById(context.pool, userId))?.email_confirmed_at !== undefined : false;
  if (!userId) {
    if (type === 'recovery' || type.startsWith('email_change')) throw new AuthError(404, 'user_not_found', 'User with this email not found');
    // A magic link for an unknown address signs the user up, as GoTrue does.
    if (type === 'magiclink') type = 'signup';
    const password = type === 'signup' ? (text(body.password) ?? null) : null;
    if (type === 'signup' && !password && text(body.type) === 'signup') throw new AuthError(422, 'validation_failed', 'Signup requires a valid password');
    userId = await databaseStep('Database error saving new user', () => inTransaction(context.pool, (client) =>
      insertUser(client, { email, password, confirmed: false, invited: type === 'invite', userMetadata: data, appMetadata: {}, now: context.now() })));
  } else if ((type === 'signup' || type === 'invite') && confirmed) {
    throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
  }
  let address = email;
  if (type.startsWith('email_change')) {
    const next = validateEmail(text(body.new_email));
    await assertEmailFree(context, next, userId);
    await updateUser(context.pool, userId, { emailChange: next }, context.now());
    if (type === 'email_change_new') address = next;
  }
  if (type === 'invite') await context.pool.query('update auth.users set invited_at = $2 where id = $1', [userId, context.now()]);
  const { otp, hash } = await issueToken(context, userId, LINK_TOKENS[type] ?? tokenKind, address, false);
  const verifyType = type.startsWith('email_change') ? 'email_change' : type;
  return reply(200, {
    ...(await findUserById(context.pool, userId)),
    action_link: actionLink(context, hash, verifyType, redirect),
    email_otp: otp,
    hashed_token: hash,
    verification_type: type,
    redirect_to: redirect,
  });
}
