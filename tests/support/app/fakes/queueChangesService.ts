import { vi } from 'vitest';
import type * as QueueChangesService from '@/services/queue/queueChangesService';
import type { ChannelState, ItemChange, LeadChange, QueueChange, QueueChangeKind, QueueScope } from '@/services/queue/queueChangesService';
import { backend } from '../backend';

const changeListeners = new Set<(change: QueueChange) => void>();
const leadListeners = new Set<(change: LeadChange) => void>();
const stateListeners = new Set<(state: ChannelState) => void>();

/** Test helper: what a broadcast on the member's topic does (a queue item change unless told otherwise; `items`: the rows it names). */
export function emitQueueChange(kind: QueueChangeKind = 'items', items: ItemChange[] | null = null): void {
  for (const listener of changeListeners) listener({ kind, items });
}
/** Test helper: what a broadcast on the client's leads topic does (null: too many leads to name). */
export function emitLeadChange(leadIds: string[] | null): void {
  for (const listener of leadListeners) listener({ leadIds });
}
/** Both channels go to `state`, as when the socket drops or comes back. */
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
  subscribeLeadChanges: vi.fn((_clientId: string, onChange: (change: LeadChange) => void, onState: (state: ChannelState) => void) => {
    leadListeners.add(onChange);
    stateListeners.add(onState);
    onState(backend.channel);
    return () => {
      leadListeners.delete(onChange);
      stateListeners.delete(onState);
    };
  }),
} satisfies typeof QueueChangesService;
