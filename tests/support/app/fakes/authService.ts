import { vi } from 'vitest';
import { ServiceError } from '@/services/errors';
import type * as AuthService from '@/services/auth/authService';
import type { SessionUser } from '@/services/auth/authService';
import { ADMIN, backend } from '../backend';

const listeners = new Set<(user: SessionUser | null) => void>();
const unauthorizedListeners = new Set<() => void>();

function announce(user: SessionUser | null): void {
  backend.user = user;
  for (const listener of listeners) listener(user);
}

/** Test helper: what a revoked session looks like to the app, a call answered 401. */
export function emitUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

/** Stands in for services/auth/authService; `satisfies` fails typecheck when the two drift apart. */
export const authService = {
  getSessionUser: vi.fn(async () => backend.user),
  onAuthChange: vi.fn((callback: (user: SessionUser | null) => void) => {
    listeners.add(callback);
    return () => void listeners.delete(callback);
  }),
  signIn: vi.fn(async (email: string, password: string) => {
    if (email !== ADMIN.email || password !== 'testtesttest') {
      throw new ServiceError('invalid_credentials', 'Invalid login credentials', { backendCode: 'invalid_credentials' }, 400);
    }
    announce(ADMIN);
  }),
  signOut: vi.fn(async () => announce(null)),
  onApiUnauthorized: vi.fn((callback: () => void) => {
    unauthorizedListeners.add(callback);
    return () => void unauthorizedListeners.delete(callback);
  }),
  revalidateSession: vi.fn(async () => {
    if (!backend.sessionRevoked) return true;
    announce(null);
    return false;
  }),
  getMemberships: vi.fn(async (_userId: string) => backend.memberships),
} satisfies typeof AuthService;
