import { useCallback, useRef } from 'react';
import { applyItemChanges } from '@/lib/queueBroadcasts';
import type { ItemChange } from '@/services/queue/queueChangesService';
import { listActiveLeadIds } from '@/services/queue/queueService';
import { useLoader } from './useLoader';
import { ITEM_CHANGES, useQueueChanges } from './useQueueChanges';

/**
 * The ids of the client's leads with an active item, as the caller may see them: read once, then kept by the item
 * changes the live queue names (a manager's client may have 100,000 waiting, 100 pages to read again). A change that
 * does not name its items, or the poll while the channel is down, reads them all again.
 */
export function useActiveLeadIds(clientId: string) {
  // Changes heard while a read is in flight are applied to its answer too: the read may have begun before them.
  const journals = useRef(new Set<ItemChange[]>());
  const load = useCallback(async () => {
    const journal: ItemChange[] = [];
    journals.current.add(journal);
    try {
      return applyItemChanges(await listActiveLeadIds(clientId), journal);
    } finally {
      journals.current.delete(journal);
    }
  }, [clientId]);
  const active = useLoader(load);
  const { reload, mutate } = active;
  const changed = useCallback(
    (items: ItemChange[] | null) => {
      if (items === null) return void reload();
      if (items.length === 0) return;
      for (const journal of journals.current) journal.push(...items);
      mutate((ids) => ids && applyItemChanges(ids, items));
    },
    [reload, mutate],
  );
  useQueueChanges(changed, { kinds: ITEM_CHANGES });
  return active;
}
