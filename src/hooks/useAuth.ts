import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import * as authService from '@/services/auth/authService';
import { toServiceError, type ServiceError } from '@/services/errors';
import type { Membership } from '@/types/queue';

export type SessionUser = authService.SessionUser;

export interface AuthState {
  status: 'loading' | 'signedOut' | 'signedIn';
  user: SessionUser | null;
  /** The membership the app works in: the picked client's (remembered in this browser), else the oldest. */
  membership: Membership | null;
  /** Every client the user belongs to (an admin of several picks one in the header). */
  memberships: Membership[];
  membershipError: ServiceError | null;
  /** True after a session ended on its own (revoked, expired beyond refresh), not by signing out here. */
  sessionEnded: boolean;
  selectClient: (clientId: string) => void;
  /** Throws a ServiceError (`invalid_credentials` for a wrong pair). */
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

type Session = Pick<AuthState, 'status' | 'user' | 'memberships' | 'membershipError' | 'sessionEnded'>;

const PICKED_CLIENT = 'lq.client';

function pickedClient(): string | null {
  try {
    return globalThis.localStorage?.getItem(PICKED_CLIENT) ?? null;
  } catch {
    return null;
  }
}

/** The session (persisted by supabase-js) and the user's client memberships; mounted once by AuthProvider. */
export function useAuthSource(): AuthState {
  const [session, setSession] = useState<Session>({ status: 'loading', user: null, memberships: [], membershipError: null, sessionEnded: false });
  const [picked, setPicked] = useState<string | null>(pickedClient);
  const signingOut = useRef(false);

  useEffect(() => {
    let active = true;
    let currentUserId: string | null = null;
    const apply = async (user: SessionUser | null) => {
      if (!user) {
        const ended = currentUserId !== null && !signingOut.current;
        currentUserId = null;
        signingOut.current = false;
        if (active) setSession({ status: 'signedOut', user: null, memberships: [], membershipError: null, sessionEnded: ended });
        return;
      }
      if (user.id === currentUserId) return; // token refreshes need no new membership lookup
      currentUserId = user.id;
      if (active) setSession({ status: 'loading', user, memberships: [], membershipError: null, sessionEnded: false });
      let memberships: Membership[] = [];
      let membershipError: ServiceError | null = null;
      try {
        memberships = await authService.getMemberships(user.id);
      } catch (error) {
        membershipError = toServiceError(error);
      }
      if (active && currentUserId === user.id) setSession({ status: 'signedIn', user, memberships, membershipError, sessionEnded: false });
    };
    // A session that cannot be read is no session: the sign-in form follows.
    void authService.getSessionUser().then(apply, () => apply(null));
    const unsubscribe = authService.onAuthChange((user) => void apply(user));

    // A 401 from any call, or coming back to the tab, asks whether the session still stands; one check at a time.
    let checking: Promise<unknown> | null = null;
    const revalidate = () => {
      if (currentUserId === null || checking) return;
      checking = authService.revalidateSession().catch(() => true).finally(() => (checking = null));
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') revalidate();
    };
    const stopUnauthorized = authService.onApiUnauthorized(revalidate);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      active = false;
      unsubscribe();
      stopUnauthorized();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  const signIn = useCallback((email: string, password: string) => authService.signIn(email, password), []);
  const signOut = useCallback(async () => {
    signingOut.current = true;
    try {
      await authService.signOut();
    } catch (failure) {
      signingOut.current = false;
      throw failure;
    }
  }, []);
  const selectClient = useCallback((clientId: string) => {
    setPicked(clientId);
    try {
      globalThis.localStorage?.setItem(PICKED_CLIENT, clientId);
    } catch {
      // A browser without storage still switches, for this tab.
    }
  }, []);
  const membership = session.memberships.find((each) => each.clientId === picked) ?? session.memberships[0] ?? null;
  return useMemo<AuthState>(
    () => ({ ...session, membership, selectClient, signIn, signOut }),
    [session, membership, selectClient, signIn, signOut],
  );
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
