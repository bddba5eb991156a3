import { useCallback } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { listActiveLeadIds, listLeads, queueLeads } from '@/services/queue/queueService';
import type { QueueLeadsRequest, QueueLeadsResult } from '@/types/queue';
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

export type QueueLeadsOutcome = { ok: true; result: QueueLeadsResult } | { ok: false; error: ServiceError };

/** Queues leads through queue-leads; a refusal comes back as a value, with its code and next window. */
export function useQueueLeads(): (request: QueueLeadsRequest) => Promise<QueueLeadsOutcome> {
  return useCallback(async (request: QueueLeadsRequest) => {
    try {
      const result = await queueLeads(request);
      notifyQueueChanged();
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: toServiceError(error) };
    }
  }, []);
}
