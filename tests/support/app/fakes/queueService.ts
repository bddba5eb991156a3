import { vi } from 'vitest';
import type * as QueueService from '@/services/queue/queueService';
import { QUEUE_STATUSES, type ProcessingState, type QueueItemStatus, type QueueLeadsRequest, type QueueListQuery, type QueuePageCursor, type QueuePriority, type QueueStatusCounts, type SpreadChoice } from '@/types/queue';
import { ADMIN, backend } from '../backend';

/** Moves the items in `ids` that are in a `from` status to `patch`; returns how many moved. */
function transition(ids: string[], from: QueueItemStatus[], patch: Partial<(typeof backend.items)[number]>): number {
  let count = 0;
  backend.items = backend.items.map((item) => {
    if (!ids.includes(item.id) || !from.includes(item.status)) return item;
    count += 1;
    return { ...item, ...patch };
  });
  return count;
}

/** The fake rows whose lead name contains the search, or whose phone holds its digits (050… as 97250…). */
function matching(search: string) {
  const term = search.trim().toLowerCase();
  if (!term) return backend.items;
  const digits = /^[\s\d+()./-]+$/.test(term) ? term.replace(/\D/g, '').replace(/^00/, '').replace(/^0/, '972') : '';
  return backend.items.filter((item) => (digits.length >= 3 ? (item.leadPhone ?? '').includes(digits) : (item.leadName ?? '').toLowerCase().includes(term)));
}

/** Stands in for services/queue/queueService; `satisfies` fails typecheck when the two drift apart. */
export const queueService = {
  listLeads: vi.fn(async (_clientId: string) => backend.leads),
  listActiveLeadIds: vi.fn(async (_clientId: string) => new Set(backend.activeLeadIds)),
  // The fake rows are in the server's order (newest first); a page starts after the item the cursor names.
  listQueuePage: vi.fn(async (_clientId: string, query: QueueListQuery, after: QueuePageCursor | null, pageSize = 50) => {
    const filtered = matching(query.search).filter((item) => query.status === 'all' || item.status === query.status);
    const rows = after ? filtered.slice(filtered.findIndex((item) => item.id === after.id) + 1) : filtered;
    const items = rows.slice(0, pageSize);
    const last = items.at(-1);
    return { items, next: rows.length > pageSize && last ? { createdAt: last.created_at, id: last.id } : null };
  }),
  getQueueStatusCounts: vi.fn(async (_clientId: string, search: string) => {
    const rows = matching(search);
    return Object.fromEntries(QUEUE_STATUSES.map((status) => [status, { items: rows.filter((item) => item.status === status).length, capped: false }])) as QueueStatusCounts;
  }),
  getQueueStatus: vi.fn(async (_clientId: string) => ({ ...backend.status })),
  getAdminStatus: vi.fn(async (clientId: string) => backend.adminStatus ?? [{ ...backend.status, user_id: ADMIN.id, client_id: clientId, email: ADMIN.email }]),
  setProcessingState: vi.fn(async (state: ProcessingState, _clientId: string) => {
    backend.status = { ...backend.status, processing_state: state };
    return state;
  }),
  getQueueOutlook: vi.fn(async (_clientId: string, itemIds: string[]) =>
    new Map(backend.items.filter((item) => itemIds.includes(item.id) && item.outlook).map((item) => [item.id, item.outlook!])),
  ),
  getItemHistory: vi.fn(async (itemId: string) => backend.history.filter((entry) => entry.queue_item_id === itemId).map(({ queue_item_id: _item, ...entry }) => entry)),
  getQueueDrain: vi.fn(async (_clientId: string) => ({ ...backend.drain })),
  getCapacityToday: vi.fn(async (_clientId: string) => ({ ...backend.capacity })),
  cancelWaitingItems: vi.fn(async (_clientId: string) =>
    transition(backend.items.filter((item) => item.status === 'pending' || item.status === 'queued').map((item) => item.id), ['pending', 'queued'], { status: 'cancelled' }),
  ),
  cancelQueueItems: vi.fn(async (ids: string[]) => transition(ids, ['pending', 'queued'], { status: 'cancelled' })),
  retryQueueItems: vi.fn(async (ids: string[]) => transition(ids, ['failed'], { status: 'pending', last_error: null })),
  queueLeads: vi.fn(async (request: QueueLeadsRequest) => {
    for (const id of request.leadIds) backend.activeLeadIds.add(id);
    backend.status = { ...backend.status, depth: backend.status.depth + request.leadIds.length };
    return {
      queued: request.leadIds.length,
      queueIds: request.leadIds.map((_, i) => `q-${i}`),
      skipped: { duplicates: 0, optedOut: 0, unknown: 0, recentlyContacted: 0 },
      warning: null,
    };
  }),
  previewSpread: vi.fn(async (_clientId: string, _leadIds: string[], _from: string, _includeRecentlyContacted: boolean) => ({
    days: backend.spreadPlan.map((day) => ({ ...day })),
    skipped_recently_contacted: 0,
  })),
  enqueueSpread: vi.fn(async (_clientId: string, leadIds: string[], _priority: QueuePriority, _from: string, _choice: SpreadChoice) => {
    for (const id of leadIds) backend.activeLeadIds.add(id);
    backend.status = { ...backend.status, depth: backend.status.depth + leadIds.length };
    return { queued: leadIds.length, days: backend.spreadPlan.map((day) => ({ ...day })), skipped: 0, skipped_recently_contacted: 0, unplanned: 0 };
  }),
} satisfies typeof QueueService;
