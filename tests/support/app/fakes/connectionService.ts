import { vi } from 'vitest';
import type * as ConnectionService from '@/services/connectionService';
import type { ApiState } from '@/services/connectionService';
import { backend } from '../backend';

const listeners = new Set<(state: ApiState) => void>();

/** Test helper: the API stops or starts answering. */
export function emitApiState(state: ApiState): void {
  backend.api = state;
  for (const listener of listeners) listener(state);
}

/** Stands in for services/connectionService; `satisfies` fails typecheck when the two drift apart. */
export const connectionService = {
  getApiState: vi.fn(() => backend.api),
  subscribeApiState: vi.fn((listener: (state: ApiState) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }),
} satisfies typeof ConnectionService;
