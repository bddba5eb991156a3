import { useCallback } from 'react';
import { nowDate } from '@/lib/clock';
import { ServiceError, toServiceError } from '@/services/errors';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { enqueueSpread, listActiveLeadIds, listLeads, planSpread, queueLeads } from '@/services/queue/queueService';
import type { QueueLeadsRequest, QueueLeadsResult, QueuePriority, QueueSettings } from '@/types/queue';
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

/** The shared rules' refusal of a send time, as the server would word it; null when the window is open. */
async function precheck(request: QueueLeadsRequest, settings: QueueSettings): Promise<ServiceError | null> {
  if (request.deferToNextWindow) return null;
  const { windowRefusal } = await import('@/lib/businessWindows');
  const refusal = windowRefusal(request.scheduledFor ? new Date(request.scheduledFor) : nowDate(), settings);
  if (!refusal) return null;
  const nextWindow = refusal.next ? { start: refusal.next.start.toISOString(), end: refusal.next.end.toISOString() } : null;
  return new ServiceError(refusal.code, refusal.reason, { nextWindow }, 422);
}

/**
 * Queues leads through queue-leads; a refusal comes back as a value, with its code and next window. With the admin's
 * settings, the window is checked first in the browser (at its clock), as the spec's engine does; the server stays
 * authoritative.
 */
export function useQueueLeads(settings: QueueSettings | null = null): (request: QueueLeadsRequest) => Promise<QueueLeadsOutcome> {
  return useCallback(async (request: QueueLeadsRequest) => {
    const refused = settings ? await precheck(request, settings) : null;
    if (refused) return { ok: false, error: refused };
    try {
      const result = await queueLeads(request);
      notifyQueueChanged();
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: toServiceError(error) };
    }
  }, [settings]);
}

/** A batch spread over the coming open days: the plan to preview, then the spread itself (all or nothing). */
export function useSpread(clientId: string) {
  const plan = useCallback((count: number, from: string) => planSpread(clientId, count, from), [clientId]);
  const spread = useCallback(
    async (leadIds: string[], priority: QueuePriority, from: string) => {
      const result = await enqueueSpread(clientId, leadIds, priority, from);
      notifyQueueChanged();
      return result;
    },
    [clientId],
  );
  return { plan, spread };
}
