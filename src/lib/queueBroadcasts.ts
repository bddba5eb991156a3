import { LEAD_EVENT, QUEUE_EVENTS, type QueueChangeKind } from '@shared/queueTopics.ts';
import type { QueueItemStatus } from '@/types/queue';
import { QUEUE_STATUSES } from '@/types/queue';

/** One queue item's change as its broadcast names it: its lead, its status before and after (null: inserted, deleted). */
export interface ItemChange {
  leadId: string;
  status: QueueItemStatus | null;
  oldStatus: QueueItemStatus | null;
}

/**
 * What changed: the queue's items, an admin's settings (state, last run) or the client's sending pause. `items` names
 * every item a change of kind `items` touched, or is null when it does not (over 100 rows, or this tab's own write).
 */
export interface QueueChange {
  kind: QueueChangeKind;
  items: ItemChange[] | null;
}

/** Leads whose contact state changed (sent, opted out); null when too many to name: reload them all. */
export interface LeadChange {
  leadIds: string[] | null;
}

const KIND_OF_EVENT = new Map<string, QueueChangeKind>(
  (Object.keys(QUEUE_EVENTS) as QueueChangeKind[]).map((kind) => [QUEUE_EVENTS[kind], kind]),
);

function readStatus(value: unknown): QueueItemStatus | null | undefined {
  if (value === null) return null;
  return QUEUE_STATUSES.find((status) => status === value);
}

const ACTIVE_STATUSES: readonly (QueueItemStatus | null)[] = ['pending', 'queued', 'processing'];

/** Whether an item in this status is waiting or in flight (null: no item). */
export function isActiveStatus(status: QueueItemStatus | null): boolean {
  return ACTIVE_STATUSES.includes(status);
}

/**
 * The items a queue broadcast names (private.broadcast_queue_rows' payload), or null when it does not name them all.
 * Those leaving the active statuses come first: a lead has one active item at a time, so after one statement a lead
 * with an item entering them is active, whatever order its rows were sent in.
 */
function readItems(payload: unknown): ItemChange[] | null {
  const { rows, truncated } = (payload ?? {}) as { rows?: unknown; truncated?: unknown };
  if (truncated !== false || !Array.isArray(rows)) return null;
  const items: ItemChange[] = [];
  for (const row of rows as unknown[]) {
    const { lead_id: leadId, status, old_status: oldStatus } = (row ?? {}) as Record<string, unknown>;
    const [now, before] = [readStatus(status), readStatus(oldStatus)];
    if (typeof leadId !== 'string' || now === undefined || before === undefined) return null;
    items.push({ leadId, status: now, oldStatus: before });
  }
  const entering = (item: ItemChange) => isActiveStatus(item.status);
  return [...items.filter((item) => !entering(item)), ...items.filter(entering)];
}

/** What a broadcast on a queue topic says changed, or null when it is not one of the queue's events. */
export function readQueueChange(event: string, payload: unknown): QueueChange | null {
  const kind = KIND_OF_EVENT.get(event);
  if (!kind) return null;
  return { kind, items: kind === 'items' ? readItems(payload) : null };
}

/** What a broadcast on a leads topic says changed, or null when it is not the leads' event. */
export function readLeadChange(event: string, payload: unknown): LeadChange | null {
  if (event !== LEAD_EVENT) return null;
  const { ids, truncated } = (payload ?? {}) as { ids?: unknown; truncated?: unknown };
  const named = Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? ids : null;
  return { leadIds: truncated === false && named ? named : null };
}

/** `active` after these changes: a lead has at most one active item (queue_one_active_per_lead_idx), so its item's new status says whether it is in the queue. */
export function applyItemChanges(active: ReadonlySet<string>, changes: readonly ItemChange[]): Set<string> {
  const next = new Set(active);
  for (const change of changes) {
    if (isActiveStatus(change.status)) next.add(change.leadId);
    else if (isActiveStatus(change.oldStatus)) next.delete(change.leadId);
  }
  return next;
}
