import { useCallback } from 'react';
import { listLeadsById } from '@/services/leads/leadService';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { enqueueSpread, listLeads, previewSpread } from '@/services/queue/queueService';
import type { Lead, QueuePriority, SpreadChoice } from '@/types/queue';
import { useActiveLeadIds } from './useActiveLeadIds';
import { useLeadChanges } from './useLeadChanges';
import { useLeadPoll } from './useLeadPoll';
import { useLoader } from './useLoader';

/** Past this many changed leads one read of the whole list costs less than reading them by id. */
const MAX_READ_BY_ID = 500;

/** `fresh` rows in place of their old versions, in the list's order. */
function merge(rows: Lead[] | null, fresh: Lead[]): Lead[] | null {
  if (!rows) return rows;
  const byId = new Map(fresh.map((lead) => [lead.id, lead]));
  return rows.map((lead) => byId.get(lead.id) ?? lead);
}

/** The client's leads, and which of them are in the queue now (kept current by realtime). */
export function useLeads(clientId: string) {
  const loadLeads = useCallback(() => listLeads(clientId), [clientId]);
  const leads = useLoader(loadLeads);
  const active = useActiveLeadIds(clientId);
  const { reload: reloadLeads, mutate: mutateLeads } = leads;
  const applyChanged = useCallback((fresh: Lead[]) => mutateLeads((rows) => merge(rows, fresh)), [mutateLeads]);
  // A send or an opt-out by anyone: read just those leads again (all of them when too many).
  const refresh = useCallback(
    async (leadIds: string[] | null) => {
      if (leadIds === null || leadIds.length > MAX_READ_BY_ID) return reloadLeads();
      try {
        applyChanged(await listLeadsById(clientId, leadIds));
      } catch {
        // The loader's reload retries and reports a lasting failure; this quiet path must not hide one.
        await reloadLeads();
      }
    },
    [clientId, reloadLeads, applyChanged],
  );
  const { poll, forget } = useLeadPoll(clientId, leads.data, reloadLeads, applyChanged);
  const changed = useCallback(
    (leadIds: string[] | null) => {
      // Live again (or a change too big to name): the next outage starts from a fresh read.
      if (leadIds === null) forget();
      return refresh(leadIds);
    },
    [refresh, forget],
  );
  useLeadChanges(clientId, changed, poll);

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
