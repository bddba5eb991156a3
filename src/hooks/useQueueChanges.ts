import { useEffect, useRef, useState } from 'react';
import { subscribeQueueChanges, type ChannelState, type ItemChange, type QueueChangeKind } from '@/services/queue/queueChangesService';
import { useAuth } from './useAuth';

const COALESCE_MS = 250;
/** While the channel is down, the fallback polls this often. */
export const POLL_MS = 5000;

/** Every kind of change: what queue_status() reads (items, each admin's state and last run, the sending pause). */
export const ALL_QUEUE_CHANGES: readonly QueueChangeKind[] = ['items', 'settings', 'pause'];
export const ITEM_CHANGES: readonly QueueChangeKind[] = ['items'];

export interface QueueChangesOptions {
  /** Which changes call `onChange` (all by default). */
  kinds?: readonly QueueChangeKind[];
  coalesceMs?: number;
}

/**
 * Calls `onChange` after changes of the signed-in member's live queue (Broadcast on their private topic), at
 * most once per `coalesceMs` however many rows changed (a batch of 200 updates is one refetch), with the item
 * changes of that window in order, or null when one of them did not name its items. Polls (with null) only while
 * the channel is not live.
 */
export function useQueueChanges(
  onChange: (items: ItemChange[] | null) => void,
  { kinds = ALL_QUEUE_CHANGES, coalesceMs = COALESCE_MS }: QueueChangesOptions = {},
): { live: boolean } {
  const callback = useRef(onChange);
  const [state, setState] = useState<ChannelState>('connecting');
  const { user, membership } = useAuth();
  const userId = user?.id;
  const clientId = membership?.clientId;
  const role = membership?.role;
  const kindsKey = kinds.join(',');

  useEffect(() => {
    callback.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!userId || !clientId || !role) return;
    const wanted = new Set(kindsKey.split(','));
    let timer: ReturnType<typeof setTimeout> | null = null;
    let items: ItemChange[] | null = [];
    const unsubscribe = subscribeQueueChanges(
      { userId, clientId, role },
      (change) => {
        if (!wanted.has(change.kind)) return;
        if (items && change.items) items.push(...change.items);
        else items = null;
        timer ??= setTimeout(() => {
          timer = null;
          const named = items;
          items = [];
          callback.current(named);
        }, coalesceMs);
      },
      (next) => setState(next),
    );
    return () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [userId, clientId, role, kindsKey, coalesceMs]);

  useEffect(() => {
    if (state !== 'down') return;
    const interval = setInterval(() => callback.current(null), POLL_MS);
    return () => clearInterval(interval);
  }, [state]);

  return { live: state === 'live' };
}
