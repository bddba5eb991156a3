import { useCallback } from 'react';
import { nowDate } from '@/lib/clock';
import { ServiceError, toServiceError } from '@/services/errors';
import { getClientRegion, listTemplates, optOutLead, saveLead } from '@/services/leads/leadService';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { enqueueInChunks, nothingQueued } from '@/services/queue/enqueueInChunks';
import { queueLeads } from '@/services/queue/queueService';
import type { LeadDraft, QueueLeadsRequest, QueueSettings } from '@/types/queue';
import { useLoader } from './useLoader';

/** The client's message templates and its default phone region. */
export function useLeadContext(clientId: string) {
  const loadTemplates = useCallback(() => listTemplates(clientId), [clientId]);
  const loadRegion = useCallback(() => getClientRegion(clientId), [clientId]);
  const templates = useLoader(loadTemplates);
  const region = useLoader(loadRegion);
  return { templates: templates.data ?? [], region: region.data ?? 'IL' };
}

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
 * Queues any number of leads in calls of the per-call limit, with one progress callback and one summary. With the
 * admin's settings the window is checked first in the browser (at its clock), as the spec's engine does; the server
 * stays authoritative.
 */
export function useEnqueueInChunks(settings: QueueSettings | null = null) {
  return useCallback(async (request: QueueLeadsRequest, onProgress: (sent: number, total: number) => void) => {
    const refused = settings ? await precheck(request, settings) : null;
    if (refused) return { result: { ...nothingQueued(), notSent: request.leadIds.length }, error: refused };
    try {
      const outcome = await enqueueInChunks(request, queueLeads, onProgress);
      notifyQueueChanged();
      return outcome;
    } catch (error) {
      throw toServiceError(error);
    }
  }, [settings]);
}

/** Adding, editing and opting out a lead; each answers the saved lead or throws a ServiceError. */
export function useLeadEditor(clientId: string) {
  const save = useCallback((draft: LeadDraft, id?: string) => saveLead(clientId, draft, id), [clientId]);
  const optOut = useCallback(async (id: string) => {
    const lead = await optOutLead(id);
    notifyQueueChanged();
    return lead;
  }, []);
  return { save, optOut };
}
