import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import * as authService from '@/services/auth/authService';
import { AuthContext, type AuthState } from '@/hooks/useAuth';
import { errorMessage } from '@/hooks/useLoader';
import type { Membership } from '@/types/queue';

type Session = Pick<AuthState, 'status' | 'user' | 'membership' | 'membershipError'>;

/** Holds the session (persisted by supabase-js) and the user's client membership. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session>({ status: 'loading', user: null, membership: null, membershipError: null });

  useEffect(() => {
    let active = true;
    let currentUserId: string | null = null;
    const apply = async (user: authService.SessionUser | null) => {
      if (!user) {
        currentUserId = null;
        if (active) setSession({ status: 'signedOut', user: null, membership: null, membershipError: null });
        return;
      }
      if (user.id === currentUserId) return; // token refreshes need no new membership lookup
      currentUserId = user.id;
      if (active) setSession({ status: 'loading', user, membership: null, membershipError: null });
      let membership: Membership | null = null;
      let membershipError: string | null = null;
      try {
        membership = await authService.getMembership(user.id);
      } catch (error) {
        membershipError = errorMessage(error);
      }
      if (active && currentUserId === user.id) setSession({ status: 'signedIn', user, membership, membershipError });
    };
    void authService.getSessionUser().then(apply);
    const unsubscribe = authService.onAuthChange((user) => void apply(user));
    return () => {
      active = false;
      unsubscribe();
    };
  }, []);

  const signIn = useCallback((email: string, password: string) => authService.signIn(email, password), []);
  const signOut = useCallback(() => authService.signOut(), []);
  const value = useMemo<AuthState>(() => ({ ...session, signIn, signOut }), [session, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
