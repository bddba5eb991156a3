import { vi } from 'vitest';
import type * as QueueChangesService from '@/services/queue/queueChangesService';
import type { ChannelState, QueueChange, QueueChangeKind, QueueScope } from '@/services/queue/queueChangesService';
import { backend } from '../backend';

const changeListeners = new Set<(change: QueueChange) => void>();
const stateListeners = new Set<(state: ChannelState) => void>();

/** Test helper: what a broadcast on the member's topic does (a queue item change unless told otherwise). */
export function emitQueueChange(kind: QueueChangeKind = 'items'): void {
  for (const listener of changeListeners) listener({ kind });
}
export function emitChannelState(state: ChannelState): void {
  for (const listener of stateListeners) listener(state);
}

/** Stands in for services/queue/queueChangesService; `satisfies` fails typecheck when the two drift apart. */
export const queueChangesService = {
  notifyQueueChanged: vi.fn((kind: QueueChangeKind = 'items') => emitQueueChange(kind)),
  subscribeQueueChanges: vi.fn((_scope: QueueScope, onChange: (change: QueueChange) => void, onState: (state: ChannelState) => void) => {
    changeListeners.add(onChange);
    stateListeners.add(onState);
    onState(backend.channel);
    return () => {
      changeListeners.delete(onChange);
      stateListeners.delete(onState);
    };
  }),
} satisfies typeof QueueChangesService;
