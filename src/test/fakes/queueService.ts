import { vi } from 'vitest';
import { backend } from '../backend';
import { ServiceError } from '@/services/errors';
import type { ChannelState } from '@/services/queue/queueService';
import type { ProcessingState, QueueItemStatus, QueueLeadsRequest, QueueLeadsResult } from '@/types/queue';

export { ServiceError };
export type { ChannelState };

const changeListeners = new Set<() => void>();
const stateListeners = new Set<(state: ChannelState) => void>();

/** Test helper: what a realtime postgres_changes event does. */
export function emitQueueChange(): void {
  for (const listener of changeListeners) listener();
}
export function emitChannelState(state: ChannelState): void {
  for (const listener of stateListeners) listener(state);
}

export const listLeads = vi.fn(async () => backend.leads);
export const listActiveLeadIds = vi.fn(async () => new Set(backend.activeLeadIds));
export const listQueueItems = vi.fn(async (_clientId: string, status: QueueItemStatus | 'all') =>
  backend.items.filter((item) => status === 'all' || item.status === status),
);
export const getQueueStatus = vi.fn(async () => ({ ...backend.status }));
export const setProcessingState = vi.fn(async (state: ProcessingState) => {
  backend.status = { ...backend.status, processing_state: state };
  return state;
});
export const cancelQueueItems = vi.fn(async (ids: string[]) => {
  let count = 0;
  backend.items = backend.items.map((item) => {
    if (!ids.includes(item.id) || !['pending', 'queued'].includes(item.status)) return item;
    count += 1;
    return { ...item, status: 'cancelled' as const };
  });
  return count;
});
export const retryQueueItems = vi.fn(async (ids: string[]) => {
  let count = 0;
  backend.items = backend.items.map((item) => {
    if (!ids.includes(item.id) || item.status !== 'failed') return item;
    count += 1;
    return { ...item, status: 'pending' as const, last_error: null };
  });
  return count;
});
export const queueLeads = vi.fn(async (request: QueueLeadsRequest): Promise<QueueLeadsResult> => {
  for (const id of request.leadIds) backend.activeLeadIds.add(id);
  backend.status = { ...backend.status, depth: backend.status.depth + request.leadIds.length };
  return { queued: request.leadIds.length, queueIds: request.leadIds.map((_, i) => `q-${i}`), skipped: { duplicates: 0, optedOut: 0, unknown: 0 }, warning: null };
});
export const notifyQueueChanged = vi.fn(() => emitQueueChange());
export const subscribeQueueChanges = vi.fn((onChange: () => void, onState: (state: ChannelState) => void) => {
  changeListeners.add(onChange);
  stateListeners.add(onState);
  onState(backend.channel);
  return () => {
    changeListeners.delete(onChange);
    stateListeners.delete(onState);
  };
});
