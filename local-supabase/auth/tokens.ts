import { SignJWT, errors, jwtVerify } from 'jose';
import type { RequestAuth } from '../types.ts';
import { JWT_SECRET } from '../keys.ts';

export { ANON_KEY, JWT_SECRET, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from '../keys.ts';

const secretKey = new TextEncoder().encode(JWT_SECRET);

/** A rejected JWT, carrying the PostgREST code (PGRST301 bad, PGRST303 expired) and HTTP status. */
export class JwtError extends Error {
  readonly status = 401;
  constructor(
    readonly code: 'PGRST301' | 'PGRST303',
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

export interface AccessTokenInput {
  /** `<api url>/auth/v1` */
  issuer: string;
  userId: string;
  email: string | null;
  phone: string;
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  sessionId: string;
  /** Seconds since the epoch for `iat`. */
  issuedAt: number;
  expiresIn: number;
  role?: string;
  aud?: string;
  isAnonymous?: boolean;
  amr?: Array<{ method: string; timestamp: number }>;
}

/** An access token with the claims GoTrue puts in it (HS256, `typ: JWT`). */
export async function signAccessToken(input: AccessTokenInput): Promise<string> {
  const claims = {
    iss: input.issuer,
    sub: input.userId,
    aud: input.aud ?? 'authenticated',
    exp: input.issuedAt + input.expiresIn,
    iat: input.issuedAt,
    email: input.email ?? '',
    phone: input.phone,
    app_metadata: input.appMetadata,
    user_metadata: input.userMetadata,
    role: input.role ?? 'authenticated',
    aal: 'aal1',
    amr: input.amr ?? [{ method: 'password', timestamp: input.issuedAt }],
    session_id: input.sessionId,
    is_anonymous: input.isAnonymous ?? false,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretKey);
}

/** Signs arbitrary claims with the local secret (tests: expired tokens, custom roles). */
export async function signClaims(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretKey);
}

/**
 * Verifies an HS256 token with the local secret, as PostgREST does: role from the `role` claim
 * (anon when absent). `now` lets tests decide what "expired" means.
 */
export async function verifyToken(token: string, options: { now?: Date } = {}): Promise<RequestAuth> {
  try {
    const { payload } = await jwtVerify(token, secretKey, {
      algorithms: ['HS256'],
      currentDate: options.now,
    });
    const claims = payload as Record<string, unknown>;
    const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : 'anon';
    return { role, claims: { ...claims, role } };
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new JwtError('PGRST303', 'JWT expired');
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new JwtError('PGRST301', 'JWSError JWSInvalidSignature');
    if (error instanceof errors.JOSEError) throw new JwtError('PGRST301', `JWSError ${error.message}`);
    throw new JwtError('PGRST301', 'JWSError JWSInvalidSignature');
  }
}

/** The token from `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : null;
}
