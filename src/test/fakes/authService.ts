import { vi } from 'vitest';
import { backend } from '../backend';
import type { SessionUser, SignInResult } from '@/services/auth/authService';

export type { SessionUser, SignInResult };

const listeners = new Set<(user: SessionUser | null) => void>();

export const getSessionUser = vi.fn(async () => backend.user);
export const onAuthChange = vi.fn((callback: (user: SessionUser | null) => void) => {
  listeners.add(callback);
  return () => listeners.delete(callback);
});
export const signIn = vi.fn(async (email: string, password: string): Promise<SignInResult> => {
  if (email === 'test@test.test' && password === 'testtesttest') {
    backend.user = { id: 'a0000000-0000-4000-8000-000000000001', email };
    for (const listener of listeners) listener(backend.user);
    return { ok: true };
  }
  return { ok: false, reason: 'invalid_credentials', message: 'Invalid login credentials' };
});
export const signOut = vi.fn(async () => {
  backend.user = null;
  for (const listener of listeners) listener(null);
});
export const getMembership = vi.fn(async () => backend.membership);
