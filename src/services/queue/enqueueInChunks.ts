import { ServiceError } from '@/services/errors';
import { MAX_LEADS_PER_REQUEST } from '@shared/settingsDefaults.ts';
import type { ChunkedQueueResult, QueueLeadsRequest, QueueLeadsResult } from '@/types/queue';

/** One server call queueing at most MAX_LEADS_PER_REQUEST leads (queueService.queueLeads in the app). */
export type SendChunk = (request: QueueLeadsRequest) => Promise<QueueLeadsResult>;

/** The sums before any call: nothing queued, nothing skipped. */
export function nothingQueued(): ChunkedQueueResult {
  return { queued: 0, queueIds: [], skipped: { duplicates: 0, optedOut: 0, unknown: 0, recentlyContacted: 0 }, warning: null, calls: 0, notSent: 0 };
}

/**
 * Queues any number of leads as calls of at most MAX_LEADS_PER_REQUEST through `send`, one after another, with one
 * running total (`onProgress(sent, total)` after each call). Stops at the first refusal: the sums so far and the
 * error, so the caller can say what was queued and what was not.
 */
export async function enqueueInChunks(
  request: QueueLeadsRequest,
  send: SendChunk,
  onProgress: (sent: number, total: number) => void = () => {},
): Promise<{ result: ChunkedQueueResult; error: ServiceError | null }> {
  const total = request.leadIds.length;
  const result = nothingQueued();
  for (let from = 0; from < total; from += MAX_LEADS_PER_REQUEST) {
    const leadIds = request.leadIds.slice(from, from + MAX_LEADS_PER_REQUEST);
    let answer: QueueLeadsResult;
    try {
      answer = await send({ ...request, leadIds });
    } catch (error) {
      result.notSent = total - from;
      return { result, error: error instanceof ServiceError ? error : new ServiceError('unknown', String(error)) };
    }
    result.calls += 1;
    result.queued += answer.queued;
    result.queueIds.push(...answer.queueIds);
    for (const key of ['duplicates', 'optedOut', 'unknown', 'recentlyContacted'] as const) result.skipped[key] += answer.skipped[key];
    result.warning = answer.warning ?? result.warning;
    if (answer.scheduledFor) result.scheduledFor = answer.scheduledFor;
    onProgress(Math.min(from + leadIds.length, total), total);
  }
  return { result, error: null };
}
