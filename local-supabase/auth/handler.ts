import type pg from 'pg';
import type { StackConfig } from '../config.ts';
import { inTransaction } from '../connections.ts';
import type { GatewayRequest, GatewayResponse } from '../types.ts';
import { adminUsers, generateLink } from './admin.ts';
import { requireUser, type AuthCaller, type AuthContext } from './context.ts';
import { invite, otp, recover, reauthenticate, resend } from './flows.ts';
import { AuthError, checkPasswordStrength, databaseStep, errorReply, object, parseJson, reply, text, validateEmail } from './http.ts';
import type { Mailbox } from './mailbox.ts';
import { redirectTarget, sendEmailChange, sendMail } from './mail.ts';
import { findTokenOwner, tokenHash } from './otp.ts';
import { endSessions, refreshSession, startSession, wellFormedRefreshToken } from './sessions.ts';
import { findSignInCandidate, findUserById, findUserIdByEmail, insertUser, isBanned, passwordIs, updateUser, type UserChanges } from './users.ts';
import { verifyGet, verifyPost } from './verify.ts';

export type { AuthCaller } from './context.ts';

export interface AuthHandlerOptions {
  /** Superuser pool: the auth server owns the auth schema. */
  pool: pg.Pool;
  config: StackConfig;
  mailbox: Mailbox;
  /** `<api url>/auth/v1`, known once the gateway listens. */
  issuer: () => string;
  now: () => Date;
}

export type AuthHandler = (request: GatewayRequest, caller: AuthCaller) => Promise<GatewayResponse>;

/** Sessions older than this need a reauthentication nonce for a password change when secure_password_change is on. */
const RECENT_SIGN_IN_MS = 24 * 3600 * 1000;

export function createAuthHandler(options: AuthHandlerOptions): AuthHandler {
  const { pool, config } = options;
  const context: AuthContext = {
    pool,
    config,
    mailbox: options.mailbox,
    now: options.now,
    issuer: options.issuer,
    session: () => ({ issuer: options.issuer(), jwtExpiry: config.auth.jwtExpiry, now: options.now() }),
  };
  const userAgent = (request: GatewayRequest) => request.headers['user-agent'] ?? null;

  /** GoTrue's order: unknown or password-less user, then ban, then the password, then the confirmation. */
  async function passwordGrant(body: Record<string, unknown>, request: GatewayRequest): Promise<GatewayResponse> {
    const email = text(body.email);
    const password = text(body.password) ?? '';
    if (email && text(body.phone)) throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided on login.');
    if (!email && text(body.phone)) throw new AuthError(422, 'phone_provider_disabled', 'Phone logins are disabled');
    if (!email) throw new AuthError(400, 'validation_failed', 'missing email or phone');
    const candidate = await findSignInCandidate(pool, email, password);
    if (!candidate || !candidate.hasPassword) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
    if (isBanned(candidate.bannedUntil, options.now())) throw new AuthError(400, 'user_banned', 'User is banned');
    if (!candidate.passwordMatches) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
    if (!candidate.confirmed) throw new AuthError(400, 'email_not_confirmed', 'Email not confirmed');
    return reply(200, await startSession(pool, candidate.id, userAgent(request), context.session()));
  }

  async function refreshGrant(body: Record<string, unknown>): Promise<GatewayResponse> {
    const token = text(body.refresh_token) ?? '';
    if (!wellFormedRefreshToken(token)) throw new AuthError(400, 'validation_failed', 'Refresh token is not valid');
    const result = await refreshSession(pool, token, { ...context.session(), reuseIntervalSeconds: config.auth.refreshTokenReuseInterval });
    if (!result.ok) throw new AuthError(400, result.code, result.message);
    return reply(200, result.session);
  }

  async function signupAnonymously(body: Record<string, unknown>, request: GatewayRequest): Promise<GatewayResponse> {
    if (!config.auth.enableAnonymousSignIns) throw new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
    const id = await databaseStep('Database error creating anonymous user', () => inTransaction(pool, (client) =>
      insertUser(client, { email: null, password: null, confirmed: false, userMetadata: object(body.data) ?? {}, appMetadata: {}, now: options.now() })));
    return reply(200, await startSession(pool, id, userAgent(request), context.session(), 'anonymous'));
  }

  async function signup(body: Record<string, unknown>, request: GatewayRequest): Promise<GatewayResponse> {
    if (!config.auth.enableSignup) throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
    if (!text(body.email) && !text(body.phone)) return signupAnonymously(body, request);
    if (!text(body.email)) throw new AuthError(400, 'phone_provider_disabled', 'Phone signups are disabled');
    const password = text(body.password);
    if (!password) throw new AuthError(422, 'validation_failed', 'Signup requires a valid password');
    checkPasswordStrength(password, config.auth.minimumPasswordLength);
    const email = validateEmail(text(body.email));
    const autoconfirm = !config.auth.enableConfirmations;
    const existing = await findUserIdByEmail(pool, email);
    if (existing) {
      const user = await findUserById(pool, existing);
      if (autoconfirm || user?.email_confirmed_at) throw new AuthError(422, 'user_already_exists', 'User already registered');
      await sendMail(context, existing, email, 'signup', redirectTarget(context, request.url.searchParams.get('redirect_to')));
      return reply(200, user);
    }
    const id = await databaseStep('Database error saving new user', () => inTransaction(pool, (client) =>
      insertUser(client, { email, password, confirmed: autoconfirm, userMetadata: object(body.data) ?? {}, appMetadata: {}, now: options.now() })));
    if (autoconfirm) return reply(200, await startSession(pool, id, userAgent(request), context.session()));
    await sendMail(context, id, email, 'signup', redirectTarget(context, request.url.searchParams.get('redirect_to')));
    return reply(200, await findUserById(pool, id));
  }

  /** A nonce from /reauthenticate: when given it must match; secure_password_change makes it required for old sessions. */
  async function checkNonce(userId: string, sessionId: string | null, nonce: string | undefined): Promise<void> {
    const user = await findUserById(pool, userId);
    if (nonce === undefined) {
      if (!config.auth.email.securePasswordChange) return;
      const { rows } = await pool.query<{ created_at: Date }>('select created_at from auth.sessions where id = $1', [sessionId]);
      const signedIn = rows[0]?.created_at.getTime() ?? 0;
      if (options.now().getTime() - signedIn > RECENT_SIGN_IN_MS) throw new AuthError(400, 'reauthentication_needed', 'Password update requires reauthentication');
      return;
    }
    const owner = await findTokenOwner(pool, 'reauthentication', tokenHash(user?.email ?? '', nonce));
    const expiry = config.auth.email.otpExpirySeconds * 1000;
    if (!owner || owner.id !== userId || !owner.sentAt || owner.sentAt.getTime() + expiry < options.now().getTime()) {
      throw new AuthError(400, 'reauthentication_not_valid', 'Requested nonce is invalid');
    }
    await pool.query(`update auth.users set reauthentication_token = '' where id = $1`, [userId]);
  }

  async function putUser(request: GatewayRequest, caller: AuthCaller): Promise<GatewayResponse> {
    const { userId, sessionId } = await requireUser(context, caller);
    const body = parseJson(request);
    const changes: UserChanges = {};
    const password = text(body.password);
    if (password !== undefined) {
      checkPasswordStrength(password, config.auth.minimumPasswordLength);
      if (await passwordIs(pool, userId, password)) throw new AuthError(422, 'same_password', 'New password should be different from the old password.');
      await checkNonce(userId, sessionId, text(body.nonce));
      changes.password = password;
    }
    const userMetadata = object(body.data);
    if (userMetadata) changes.userMetadata = userMetadata;
    let pendingEmail: string | null = null;
    if (body.email !== undefined) {
      const email = validateEmail(text(body.email));
      const current = await findUserById(pool, userId);
      if (email !== current?.email) {
        const owner = await findUserIdByEmail(pool, email);
        if (owner && owner !== userId) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
        // Confirmations off (GoTrue's autoconfirm) or an anonymous user: the address changes at once.
        if (!config.auth.enableConfirmations || !current?.email) changes.email = email;
        else pendingEmail = email;
      }
    }
    await updateUser(pool, userId, { ...changes, ...(pendingEmail ? { emailChange: pendingEmail } : {}) }, options.now());
    if (pendingEmail) {
      const current = await findUserById(pool, userId);
      await sendEmailChange(context, userId, current?.email ?? null, pendingEmail, redirectTarget(context, request.url.searchParams.get('redirect_to')));
    }
    return reply(200, await findUserById(pool, userId));
  }

  async function route(request: GatewayRequest, caller: AuthCaller): Promise<GatewayResponse> {
    const path = request.url.pathname.replace(/^\/auth\/v1/, '').replace(/\/+$/, '') || '/';
    const method = request.method;
    const is = (verb: string, route: string) => method === verb && path === route;
    if (is('GET', '/health')) return reply(200, { version: 'local', name: 'GoTrue', description: 'GoTrue stand-in of the local Supabase stack' });
    // Only the symmetric secret signs tokens here, so there are no public keys to publish (as GoTrue with HS256).
    if (is('GET', '/.well-known/jwks.json')) return reply(200, { keys: [] });
    if (is('GET', '/settings')) {
      return reply(200, {
        external: { email: true, phone: false, anonymous_users: config.auth.enableAnonymousSignIns },
        disable_signup: !config.auth.enableSignup,
        mailer_autoconfirm: !config.auth.enableConfirmations,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
      });
    }
    if (is('POST', '/token')) {
      const grant = request.url.searchParams.get('grant_type');
      if (grant === 'password') return passwordGrant(parseJson(request), request);
      if (grant === 'refresh_token') return refreshGrant(parseJson(request));
      throw new AuthError(400, 'invalid_credentials', 'unsupported_grant_type');
    }
    if (is('POST', '/signup')) return signup(parseJson(request), request);
    if (is('GET', '/user')) return reply(200, await findUserById(pool, (await requireUser(context, caller)).userId));
    if (is('PUT', '/user')) return putUser(request, caller);
    if (is('POST', '/logout')) {
      const { userId, sessionId } = await requireUser(context, caller);
      const scope = request.url.searchParams.get('scope') ?? 'global';
      if (scope !== 'global' && scope !== 'local' && scope !== 'others') throw new AuthError(400, 'validation_failed', 'Unsupported logout scope');
      await endSessions(pool, userId, sessionId, scope);
      return reply(204);
    }
    if (is('POST', '/otp') || is('POST', '/magiclink')) return otp(context, request);
    if (is('POST', '/recover')) return recover(context, request);
    if (is('POST', '/resend')) return resend(context, request);
    if (is('POST', '/invite')) return invite(context, request, caller);
    if (is('GET', '/reauthenticate')) return reauthenticate(context, caller);
    if (is('GET', '/verify')) return verifyGet(context, request);
    if (is('POST', '/verify')) return verifyPost(context, parseJson(request), request);
    if (is('POST', '/admin/generate_link')) return generateLink(context, request, caller);
    const admin = /^\/admin\/users(?:\/([^/]+))?$/.exec(path);
    if (admin) return adminUsers(context, request, caller, admin[1]);
    throw new AuthError(404, 'not_found', 'Not found');
  }

  return async (request, caller) => {
    try {
      return await route(request, caller);
    } catch (error) {
      if (error instanceof AuthError) return errorReply(request, error);
      throw error;
    }
  };
}
