import { isAuthApiError } from '@supabase/supabase-js';
import { onUnauthorized } from '@/integrations/supabase/apiHealth';
import { supabase } from '@/integrations/supabase/client';
import { fromAuth, fromPostgrest } from '@/services/errors';
import type { Membership } from '@/types/queue';

export interface SessionUser {
  id: string;
  email: string | null;
}

function toUser(user: { id: string; email?: string | null } | null | undefined): SessionUser | null {
  return user ? { id: user.id, email: user.email ?? null } : null;
}

export async function getSessionUser(): Promise<SessionUser | null> {
  const { data, error } = await supabase.auth.getSession();
  if (error) throw fromAuth(error);
  return toUser(data.session?.user);
}

/** Calls back with the signed-in user (or null) on every auth change; returns the unsubscribe. */
export function onAuthChange(callback: (user: SessionUser | null) => void): () => void {
  const { data } = supabase.auth.onAuthStateChange((_event, session) => callback(toUser(session?.user)));
  return () => data.subscription.unsubscribe();
}

/** Signs in; a wrong pair throws a ServiceError with code `invalid_credentials`. */
export async function signIn(email: string, password: string): Promise<void> {
  const { error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) throw fromAuth(error);
}

export async function signOut(): Promise<void> {
  const { error } = await supabase.auth.signOut();
  if (error) throw fromAuth(error);
}

/** Calls back when any API call (REST, RPC, function) was refused with 401. */
export function onApiUnauthorized(callback: () => void): () => void {
  return onUnauthorized(callback);
}

/**
 * Asks the auth server whether this session still stands (supabase-js refreshes an expired token first).
 * A session revoked elsewhere ends here: the local copy is dropped and onAuthChange reports null.
 * Returns false when the session has ended; a server that cannot be reached proves nothing (true).
 */
export async function revalidateSession(): Promise<boolean> {
  const { data, error } = await supabase.auth.getUser();
  if (!error) return data.user !== null;
  if (isAuthApiError(error) && (error.status === 401 || error.status === 403)) {
    await supabase.auth.signOut({ scope: 'local' });
    return false;
  }
  // AuthSessionMissingError: supabase-js has already removed the session (a revoked session_id answers that).
  return error.name !== 'AuthSessionMissingError';
}

/** Every client the user belongs to, oldest membership first. */
export async function getMemberships(userId: string): Promise<Membership[]> {
  const { data, error, status } = await supabase
    .from('client_members')
    .select('client_id, role, clients(name)')
    .eq('user_id', userId)
    .order('created_at', { ascending: true });
  if (error) throw fromPostgrest(error, status);
  return (data ?? []).map((row) => ({ clientId: row.client_id, role: row.role, clientName: row.clients?.name ?? null }));
}
