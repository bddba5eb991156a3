import { useCallback } from 'react';
import { cancelQueueItems, listQueueItems, retryQueueItems } from '@/services/queue/queueService';
import type { QueueItemStatus } from '@/types/queue';
import { useLoader } from './useLoader';
import { ITEM_CHANGES, useQueueChanges } from './useQueueChanges';

export function useQueueItems(clientId: string, status: QueueItemStatus | 'all') {
  const load = useCallback(() => listQueueItems(clientId, status), [clientId, status]);
  const { data, error, loading, reload } = useLoader(load);
  const { live } = useQueueChanges(reload, { kinds: ITEM_CHANGES });

  const cancel = useCallback(async (ids: string[]) => {
    const count = await cancelQueueItems(ids);
    await reload();
    return count;
  }, [reload]);

  const retry = useCallback(async (ids: string[]) => {
    const count = await retryQueueItems(ids);
    await reload();
    return count;
  }, [reload]);

  return { items: data ?? [], error, loading, live, reload, cancel, retry };
}
