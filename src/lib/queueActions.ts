import type { QueueItemStatus } from '@/types/queue';

export type ItemAction = 'cancel' | 'retry';
const CANCELLABLE: QueueItemStatus[] = ['pending', 'queued'];

/** What an admin can do with an item in this status: waiting items can be cancelled, failed ones retried. */
export function actionFor(status: QueueItemStatus): ItemAction | null {
  if (CANCELLABLE.includes(status)) return 'cancel';
  return status === 'failed' ? 'retry' : null;
}
