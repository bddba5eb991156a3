import { supabase } from '@/integrations/supabase/client';
import { ServiceError } from '@/services/errors';
import type { Membership, MemberRole } from '@/types/queue';

export interface SessionUser {
  id: string;
  email: string | null;
}

export type SignInResult = { ok: true } | { ok: false; reason: 'invalid_credentials' | 'other'; message: string };

function toUser(user: { id: string; email?: string | null } | null | undefined): SessionUser | null {
  return user ? { id: user.id, email: user.email ?? null } : null;
}

export async function getSessionUser(): Promise<SessionUser | null> {
  const { data } = await supabase.auth.getSession();
  return toUser(data.session?.user);
}

/** Calls back with the signed-in user (or null) on every auth change; returns the unsubscribe. */
export function onAuthChange(callback: (user: SessionUser | null) => void): () => void {
  const { data } = supabase.auth.onAuthStateChange((_event, session) => callback(toUser(session?.user)));
  return () => data.subscription.unsubscribe();
}

export async function signIn(email: string, password: string): Promise<SignInResult> {
  const { error } = await supabase.auth.signInWithPassword({ email, password });
  if (!error) return { ok: true };
  // GoTrue answers 400 invalid_credentials (older servers: invalid_grant) for a wrong pair.
  const invalid = error.code === 'invalid_credentials' || error.status === 400;
  return { ok: false, reason: invalid ? 'invalid_credentials' : 'other', message: error.message };
}

export async function signOut(): Promise<void> {
  await supabase.auth.signOut();
}

export async function getMembership(userId: string): Promise<Membership | null> {
  const { data, error } = await supabase
    .from('client_members')
    .select('client_id, role')
    .eq('user_id', userId)
    .order('created_at', { ascending: true })
    .limit(1)
    .maybeSingle();
  if (error) throw new ServiceError(error.message, error.code);
  if (!data) return null;
  const row = data as { client_id: string; role: MemberRole };
  return { clientId: row.client_id, role: row.role };
}
