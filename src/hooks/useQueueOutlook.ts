import { useCallback } from 'react';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { cancelWaitingItems, getCapacityToday, getItemHistory, getQueueDrain } from '@/services/queue/queueService';
import { useLoader } from './useLoader';
import { useQueueChanges } from './useQueueChanges';

/** Sent today against the capacity, and when the queue drains (or that it is paused), kept current by realtime. */
export function useQueueOutlook(clientId: string) {
  const loadCapacity = useCallback(() => getCapacityToday(clientId), [clientId]);
  const loadDrain = useCallback(() => getQueueDrain(clientId), [clientId]);
  const capacity = useLoader(loadCapacity);
  const drain = useLoader(loadDrain);
  const reloadCapacity = capacity.reload;
  const reloadDrain = drain.reload;
  const reload = useCallback(() => Promise.all([reloadCapacity(), reloadDrain()]).then(() => undefined), [reloadCapacity, reloadDrain]);
  useQueueChanges(reload);
  return { capacity: capacity.data, drain: drain.data, error: capacity.error ?? drain.error, reload };
}

/** Cancels every waiting item of the client the caller may cancel, in one server call. */
export function useCancelAllWaiting(clientId: string): () => Promise<number> {
  return useCallback(async () => {
    const count = await cancelWaitingItems(clientId);
    notifyQueueChanged();
    return count;
  }, [clientId]);
}

/** One item's history from the audit log, loaded while `itemId` is set (the dialog is open). */
export function useItemHistory(itemId: string | null) {
  const load = useCallback(() => (itemId ? getItemHistory(itemId) : Promise.resolve([])), [itemId]);
  return useLoader(load);
}
