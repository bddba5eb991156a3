import { inTransaction } from '../connections.ts';
import type { GatewayRequest, GatewayResponse } from '../types.ts';
import { requireAdmin, requireUser, type AuthCaller, type AuthContext } from './context.ts';
import { AuthError, databaseStep, object, parseJson, reply, text, validateEmail } from './http.ts';
import { redirectTarget, sendEmailChange, sendMail } from './mail.ts';
import { findUserById, findUserIdByEmail, insertUser } from './users.ts';

/** The e-mail flows: magic link / OTP sign-in, password recovery, resend, invite and reauthentication. */

const redirectOf = (context: AuthContext, request: GatewayRequest, body: Record<string, unknown>): string =>
  redirectTarget(context, request.url.searchParams.get('redirect_to') ?? text(body.redirect_to) ?? text(body.email_redirect_to));

async function confirmedState(context: AuthContext, userId: string): Promise<{ confirmed: boolean; emailChange: string; email: string | null }> {
  const { rows } = await context.pool.query<{ confirmed: boolean; email_change: string | null; email: string | null }>(
    'select email_confirmed_at is not null as confirmed, email_change, email from auth.users where id = $1',
    [userId],
  );
  return { confirmed: rows[0]?.confirmed ?? false, emailChange: rows[0]?.email_change ?? '', email: rows[0]?.email ?? null };
}

/** A new user made by an e-mail flow: confirmed at once when confirmations are off (GoTrue's autoconfirm). */
function createUser(context: AuthContext, email: string, data: Record<string, unknown>, options: { confirmed: boolean; invited?: boolean }): Promise<string> {
  return databaseStep('Database error saving new user', () =>
    inTransaction(context.pool, (client) =>
      insertUser(client, { email, password: null, confirmed: options.confirmed, invited: options.invited, userMetadata: data, appMetadata: {}, now: context.now() }),
    ),
  );
}

/** POST /otp: a magic link and OTP to an existing user; a new user is signed up first unless create_user is false. */
export async function otp(context: AuthContext, request: GatewayRequest): Promise<GatewayResponse> {
  const body = parseJson(request);
  if (!text(body.email) && text(body.phone)) throw new AuthError(400, 'phone_provider_disabled', 'Unsupported phone provider');
  const email = validateEmail(text(body.email));
  const redirect = redirectOf(context, request, body);
  let userId = await findUserIdByEmail(context.pool, email);
  if (!userId) {
    if (body.create_user === false) throw new AuthError(422, 'otp_disabled', 'Signups not allowed for otp');
    if (!context.config.auth.enableSignup) throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
    userId = await createUser(context, email, object(body.data) ?? {}, { confirmed: !context.config.auth.enableConfirmations });
  }
  const { confirmed } = await confirmedState(context, userId);
  await sendMail(context, userId, email, confirmed ? 'magiclink' : 'signup', redirect);
  return reply(200, {});
}

/** POST /recover: a password reset mail; an unknown address answers the same, so nobody learns who is registered. */
export async function recover(context: AuthContext, request: GatewayRequest): Promise<GatewayResponse> {
  const body = parseJson(request);
  const email = validateEmail(text(body.email));
  const userId = await findUserIdByEmail(context.pool, email);
  if (userId) await sendMail(context, userId, email, 'recovery', redirectOf(context, request, body));
  return reply(200, {});
}

/** POST /resend: the signup confirmation or the email change mails again, when one is still pending. */
export async function resend(context: AuthContext, request: GatewayRequest): Promise<GatewayResponse> {
  const body = parseJson(request);
  const type = text(body.type);
  if (type === 'sms' || type === 'phone_change') throw new AuthError(400, 'phone_provider_disabled', 'Unsupported phone provider');
  if (type !== 'signup' && type !== 'email_change') {
    throw new AuthError(400, 'validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change');
  }
  const email = validateEmail(text(body.email));
  const redirect = redirectOf(context, request, body);
  if (type === 'signup') {
    const userId = await findUserIdByEmail(context.pool, email);
    if (userId && !(await confirmedState(context, userId)).confirmed) await sendMail(context, userId, email, 'signup', redirect);
    return reply(200, {});
  }
  const userId = await findUserIdByEmail(context.pool, email);
  const state = userId ? await confirmedState(context, userId) : null;
  if (userId && state && state.emailChange !== '') await sendEmailChange(context, userId, state.email, state.emailChange, redirect);
  return reply(200, {});
}

/** POST /invite (service role): an unconfirmed, invited user and the invitation mail. */
export async function invite(context: AuthContext, request: GatewayRequest, caller: AuthCaller): Promise<GatewayResponse> {
  requireAdmin(caller);
  const body = parseJson(request);
  const email = validateEmail(text(body.email));
  let userId = await findUserIdByEmail(context.pool, email);
  if (userId && (await confirmedState(context, userId)).confirmed) {
    throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
  }
  userId ??= await createUser(context, email, object(body.data) ?? {}, { confirmed: false, invited: true });
  await context.pool.query('update auth.users set invited_at = $2 where id = $1', [userId, context.now()]);
  await sendMail(context, userId, email, 'invite', redirectOf(context, request, body));
  return reply(200, await findUserById(context.pool, userId));
}

/** GET /reauthenticate: a one-time code to the signed-in user's address, the nonce a password change may need. */
export async function reauthenticate(context: AuthContext, caller: AuthCaller): Promise<GatewayResponse> {
  const { userId } = await requireUser(context, caller);
  const { email } = await confirmedState(context, userId);
  if (!email) throw new AuthError(422, 'email_address_not_provided', 'Reauthentication requires the user to have an email or a phone number');
  await sendMail(context, userId, email, 'reauthentication', context.config.auth.siteUrl);
  return reply(200, {});
}
