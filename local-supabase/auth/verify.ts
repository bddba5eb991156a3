import { inTransaction } from '../connections.ts';
import type { GatewayRequest, GatewayResponse } from '../types.ts';
import type { AuthContext } from './context.ts';
import { AuthError, reply, text } from './http.ts';
import { redirectTarget } from './mail.ts';
import { clearToken, findTokenOwner, tokenHash, type TokenKind, type TokenOwner } from './otp.ts';
import { startSession, type AuthMethod } from './sessions.ts';
import { updateUser } from './users.ts';

/** GET and POST /verify: a link's token hash, or an address and its OTP, turned into a session. */

const EXPIRED = new AuthError(403, 'otp_expired', 'Token has expired or is invalid');

/** The columns a verification type may match, in GoTrue's order ('email' is the OTP of a signup or a magic link). */
const KINDS: Record<string, TokenKind[]> = {
  signup: ['confirmation'],
  invite: ['confirmation'],
  magiclink: ['recovery'],
  recovery: ['recovery'],
  email: ['confirmation', 'recovery'],
  email_change: ['email_change_new', 'email_change_current'],
};

const METHODS: Record<TokenKind, AuthMethod> = {
  confirmation: 'email/signup',
  recovery: 'recovery',
  email_change_new: 'email_change',
  email_change_current: 'email_change',
  reauthentication: 'otp',
};

interface Match {
  owner: TokenOwner;
  kind: TokenKind;
}

async function findMatch(context: AuthContext, type: string, hash: string): Promise<Match> {
  const kinds = KINDS[type];
  if (!kinds) throw new AuthError(400, 'validation_failed', 'Verify requires a verification type');
  for (const kind of kinds) {
    const owner = await findTokenOwner(context.pool, kind, hash);
    if (!owner) continue;
    const expiry = context.config.auth.email.otpExpirySeconds * 1000;
    if (!owner.sentAt || owner.sentAt.getTime() + expiry < context.now().getTime()) throw EXPIRED;
    return { owner, kind };
  }
  throw EXPIRED;
}

export type VerifyOutcome = { session: Awaited<ReturnType<typeof startSession>>; type: string } | { message: string; type: string };

/** Consumes the token and applies what it confirms; the first of two email change confirmations only records itself. */
async function consume(context: AuthContext, match: Match, type: string, userAgent: string | null): Promise<VerifyOutcome> {
  const { owner, kind } = match;
  const now = context.now();
  if (kind === 'email_change_new' || kind === 'email_change_current') {
    const other: TokenKind = kind === 'email_change_new' ? 'email_change_current' : 'email_change_new';
    const pending = await inTransaction(context.pool, async (client) => {
      await clearToken(client, owner.id, kind);
      const { rows } = await client.query<{ waiting: boolean }>(
        `select ${other === 'email_change_new' ? 'email_change_token_new' : 'email_change_token_current'} <> '' as waiting from auth.users where id = $1`,
        [owner.id],
      );
      if (rows[0]?.waiting) return true;
      await updateUser(client, owner.id, { email: owner.emailChange, confirmEmail: true }, now);
      return false;
    });
    if (pending) return { message: 'Confirmation link accepted. Please proceed to confirm link sent to the other email', type };
  } else {
    await inTransaction(context.pool, async (client) => {
      await clearToken(client, owner.id, kind);
      await updateUser(client, owner.id, { confirmEmail: true }, now);
    });
  }
  const method: AuthMethod = type === 'invite' ? 'invite' : type === 'magiclink' ? 'magiclink' : type === 'email' ? 'otp' : METHODS[kind];
  return { session: await startSession(context.pool, owner.id, userAgent, context.session(), method), type };
}

/** POST /verify `{type, token, email}` (the OTP of a mail) or `{type, token_hash}`: a session, as JSON. */
export async function verifyPost(context: AuthContext, body: Record<string, unknown>, request: GatewayRequest): Promise<GatewayResponse> {
  const type = text(body.type) ?? '';
  const tokenHashGiven = text(body.token_hash);
  const otp = text(body.token);
  const email = text(body.email)?.trim().toLowerCase();
  if (!tokenHashGiven && (!otp || !email)) {
    throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided on verify');
  }
  const match = await findMatch(context, type, tokenHashGiven ?? tokenHash(email ?? '', otp ?? ''));
  const outcome = await consume(context, match, type, request.headers['user-agent'] ?? null);
  return 'session' in outcome ? reply(200, outcome.session) : reply(200, { msg: outcome.message });
}

/** GET /verify?token=<hash>&type=…&redirect_to=…: a 303 to the app with the session (or the error) in the fragment. */
export async function verifyGet(context: AuthContext, request: GatewayRequest): Promise<GatewayResponse> {
  const params = request.url.searchParams;
  const type = params.get('type') ?? '';
  const target = redirectTarget(context, params.get('redirect_to'));
  let fragment: URLSearchParams;
  try {
    const match = await findMatch(context, type, params.get('token') ?? '');
    const outcome = await consume(context, match, type, request.headers['user-agent'] ?? null);
    if ('session' in outcome) {
      const { session } = outcome;
      fragment = new URLSearchParams({
        access_token: session.access_token,
        expires_at: String(session.expires_at),
        expires_in: String(session.expires_in),
        refresh_token: session.refresh_token,
        token_type: 'bearer',
        type,
      });
    } else {
      fragment = new URLSearchParams({ message: outcome.message });
    }
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    fragment = new URLSearchParams({ error: 'access_denied', error_code: error.code, error_description: 'Email link is invalid or has expired' });
  }
  return { status: 303, headers: { location: `${target}#${fragment.toString()}` } };
}
