import { useCallback } from 'react';
import { listActiveLeadIds, listLeads } from '@/services/queue/queueService';
import { useLoader } from './useLoader';
import { useQueueChanges } from './useQueueChanges';

/** The client's leads, and which of them are in the queue now (kept current by realtime). */
export function useLeads(clientId: string) {
  const loadLeads = useCallback(() => listLeads(clientId), [clientId]);
  const loadActive = useCallback(() => listActiveLeadIds(clientId), [clientId]);
  const leads = useLoader(loadLeads);
  const active = useLoader(loadActive);
  useQueueChanges(active.reload);

  return {
    leads: leads.data ?? [],
    activeLeadIds: active.data ?? new Set<string>(),
    loading: leads.loading,
    error: leads.error ?? active.error,
    reload: leads.reload,
    reloadActive: active.reload,
  };
}
