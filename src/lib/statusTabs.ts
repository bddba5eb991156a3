import { QUEUE_STATUSES, type QueueItemStatus, type QueueStatusCounts } from '@/types/queue';

export type StatusTab = QueueItemStatus | 'all';
export const STATUS_TABS: readonly StatusTab[] = ['all', ...QUEUE_STATUSES];

/** A tab's count: the kept total, or a search's matches ("1,000+" where the count stopped). */
export function tabCount(counts: QueueStatusCounts, tab: StatusTab): { items: number; capped: boolean } {
  if (tab !== 'all') return counts[tab];
  return {
    items: QUEUE_STATUSES.reduce((sum, status) => sum + counts[status].items, 0),
    capped: QUEUE_STATUSES.some((status) => counts[status].capped),
  };
}
