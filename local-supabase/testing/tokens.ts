import { signClaims } from '../auth/tokens.ts';

/** An access token like GoTrue's for `userId`, valid for an hour, signed with the local JWT secret. */
export function userToken(userId: string, email = `${userId}@example.test`): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return signClaims({ sub: userId, email, role: 'authenticated', aud: 'authenticated', aal: 'aal1', is_anonymous: false, iat: issuedAt, exp: issuedAt + 3600 });
}
