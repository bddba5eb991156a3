import { useCallback } from 'react';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { enqueueSpread, listActiveLeadIds, listLeads, previewSpread } from '@/services/queue/queueService';
import type { QueuePriority, SpreadChoice } from '@/types/queue';
import { useLoader } from './useLoader';
import { ITEM_CHANGES, useQueueChanges } from './useQueueChanges';

/** The client's leads, and which of them are in the queue now (kept current by realtime). */
export function useLeads(clientId: string) {
  const loadLeads = useCallback(() => listLeads(clientId), [clientId]);
  const loadActive = useCallback(() => listActiveLeadIds(clientId), [clientId]);
  const leads = useLoader(loadLeads);
  const active = useLoader(loadActive);
  useQueueChanges(active.reload, { kinds: ITEM_CHANGES });

  return {
    leads: leads.data ?? [],
    activeLeadIds: active.data ?? new Set<string>(),
    loading: leads.loading,
    error: leads.error ?? active.error,
    reload: leads.reload,
  };
}

/** A batch spread over the coming open days: the plan to preview, then the spread itself (all or nothing). */
export function useSpread(clientId: string) {
  const plan = useCallback(
    (leadIds: string[], from: string, includeRecentlyContacted: boolean) => previewSpread(clientId, leadIds, from, includeRecentlyContacted),
    [clientId],
  );
  const spread = useCallback(
    async (leadIds: string[], priority: QueuePriority, from: string, choice: SpreadChoice) => {
      const result = await enqueueSpread(clientId, leadIds, priority, from, choice);
      notifyQueueChanged();
      return result;
    },
    [clientId],
  );
  return { plan, spread };
}
