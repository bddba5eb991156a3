import { useCallback } from 'react';
import { toServiceError } from '@/services/errors';
import { getClientRegion, listTemplates, optOutLead, saveLead } from '@/services/leads/leadService';
import { notifyQueueChanged } from '@/services/queue/queueChangesService';
import { enqueueInChunks } from '@/services/queue/queueService';
import type { LeadDraft, QueueLeadsRequest } from '@/types/queue';
import { useLoader } from './useLoader';

/** The client's message templates and its default phone region. */
export function useLeadContext(clientId: string) {
  const loadTemplates = useCallback(() => listTemplates(clientId), [clientId]);
  const loadRegion = useCallback(() => getClientRegion(clientId), [clientId]);
  const templates = useLoader(loadTemplates);
  const region = useLoader(loadRegion);
  return { templates: templates.data ?? [], region: region.data ?? 'IL' };
}

/** Queues any number of leads in calls of the per-call limit, with one progress callback and one summary. */
export function useEnqueueInChunks() {
  return useCallback(async (request: QueueLeadsRequest, onProgress: (sent: number, total: number) => void) => {
    try {
      const outcome = await enqueueInChunks(request, onProgress);
      notifyQueueChanged();
      return outcome;
    } catch (error) {
      throw toServiceError(error);
    }
  }, []);
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
