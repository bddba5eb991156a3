import { createContext, useContext } from 'react';
import type { SessionUser, SignInResult } from '@/services/auth/authService';
import type { Membership } from '@/types/queue';

export interface AuthState {
  status: 'loading' | 'signedOut' | 'signedIn';
  user: SessionUser | null;
  membership: Membership | null;
  membershipError: string | null;
  signIn: (email: string, password: string) => Promise<SignInResult>;
  signOut: () => Promise<void>;
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
