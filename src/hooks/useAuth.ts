import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import * as authService from '@/services/auth/authService';
import { toServiceError, type ServiceError } from '@/services/errors';
import type { Membership } from '@/types/queue';

export type SessionUser = authService.SessionUser;

export interface AuthState {
  status: 'loading' | 'signedOut' | 'signedIn';
  user: SessionUser | null;
  membership: Membership | null;
  membershipError: ServiceError | null;
  /** Throws a ServiceError (`invalid_credentials` for a wrong pair). */
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

type Session = Pick<AuthState, 'status' | 'user' | 'membership' | 'membershipError'>;

/** The session (persisted by supabase-js) and the user's client membership; mounted once by AuthProvider. */
export function useAuthSource(): AuthState {
  const [session, setSession] = useState<Session>({ status: 'loading', user: null, membership: null, membershipError: null });

  useEffect(() => {
    let active = true;
    let currentUserId: string | null = null;
    const apply = async (user: SessionUser | null) => {
      if (!user) {
        currentUserId = null;
        if (active) setSession({ status: 'signedOut', user: null, membership: null, membershipError: null });
        return;
      }
      if (user.id === currentUserId) return; // token refreshes need no new membership lookup
      currentUserId = user.id;
      if (active) setSession({ status: 'loading', user, membership: null, membershipError: null });
      let membership: Membership | null = null;
      let membershipError: ServiceError | null = null;
      try {
        membership = await authService.getMembership(user.id);
      } catch (error) {
        membershipError = toServiceError(error);
      }
      if (active && currentUserId === user.id) setSession({ status: 'signedIn', user, membership, membershipError });
    };
    // A session that cannot be read is no session: the sign-in form follows.
    void authService.getSessionUser().then(apply, () => apply(null));
    const unsubscribe = authService.onAuthChange((user) => void apply(user));
    return () => {
      active = false;
      unsubscribe();
    };
  }, []);

  const signIn = useCallback((email: string, password: string) => authService.signIn(email, password), []);
  const signOut = useCallback(() => authService.signOut(), []);
  return useMemo<AuthState>(() => ({ ...session, signIn, signOut }), [session, signIn, signOut]);
}

export const AuthContext = createContext<AuthState | null>(null);

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}

/** True when the signed-in user may change things (queue, settings, start/pause). */
export function useCanEdit(): boolean {
  return useAuth().membership?.role === 'admin';
}
