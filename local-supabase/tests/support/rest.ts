import { ANON_KEY } from '../../keys.ts';

export type RestInit = RequestInit & {
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
};

/** A raw request to `/rest/v1` (headers supabase-js would not send): the anon key unless given, JSON bodies by default. */
export function restFetch(stackUrl: string, path: string, init: RestInit = {}): Promise<Response> {
  const { token, ...request } = init;
  const headers = new Headers(request.headers);
  if (!headers.has('apikey')) headers.set('apikey', ANON_KEY);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (request.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return fetch(`${stackUrl}/rest/v1${path}`, { ...request, headers });
}
