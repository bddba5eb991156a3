import { supabase } from '@/integrations/supabase/client';
import { fromFunctions, parseResponse, ServiceError, unwrap } from '@/services/errors';
import { AdminStatusRows, CapacityTodayRow, QueueDrainRow, QueueLeadsResponse, QueueListCountRows, QueueListPageRows, QueueOutlookRows, QueueStatusRows, SpreadPreviewRow, SpreadResultRow } from '@/services/queue/schemas';
import type {
  AdminStatus,
  CapacityToday,
  HistoryEntry,
  Lead,
  ProcessingState,
  QueueItemStatus,
  QueueLeadsRequest,
  QueueLeadsResult,
  QueueDrain,
  QueueListQuery,
  QueueOutlook,
  QueuePage,
  QueuePageCursor,
  QueueStatus,
  QueueStatusCounts,
  QueuePriority,
  SpreadChoice,
  SpreadPreview,
  SpreadResult,
} from '@/types/queue';
import { QUEUE_PAGE_SIZE, QUEUE_STATUSES } from '@/types/queue';

const PAGE = 1000; // PostgREST's max rows per response
const ACTIVE: QueueItemStatus[] = ['pending', 'queued', 'processing'];
const LEAD_COLUMNS = 'id, name, phone, email, tags, opted_out_at, last_contacted_at';
interface Page<T> {
  data: T[] | null;
  error: { message: string; code: string } | null;
  status: number;
}

/** Reads every page of a query, since one response holds at most 1000 rows. */
async function readAll<T>(page: (from: number, to: number) => PromiseLike<Page<T>>): Promise<T[]> {
  const rows: T[] = [];
  for (let from = 0; ; from += PAGE) {
    const batch = unwrap(await page(from, from + PAGE - 1));
    rows.push(...batch);
    if (batch.length < PAGE) return rows;
  }
}

/** The client's leads in arrival order: those waiting longest come first. */
export async function listLeads(clientId: string): Promise<Lead[]> {
  return readAll((from, to) =>
    supabase.from('leads').select(LEAD_COLUMNS).eq('client_id', clientId).order('created_at').order('id').range(from, to),
  );
}

/** Ids of leads that have an active (pending, queued or processing) queue item. */
export async function listActiveLeadIds(clientId: string): Promise<Set<string>> {
  const rows = await readAll((from, to) =>
    supabase.from('whatsapp_message_queue').select('lead_id').eq('client_id', clientId).in('status', ACTIVE).order('id').range(from, to),
  );
  return new Set(rows.map((row) => row.lead_id));
}

/**
 * One page of the client's queue as the caller may see it (queue_list_page: RLS applies), newest first, from `after`
 * (the previous page's last item), with each waiting item's outlook. Asks one row more to know whether a page follows.
 */
export async function listQueuePage(clientId: string, query: QueueListQuery, after: QueuePageCursor | null, pageSize = QUEUE_PAGE_SIZE): Promise<QueuePage> {
  const rows = parseResponse(
    QueueListPageRows,
    unwrap(
      await supabase.rpc('queue_list_page', {
        for_client: clientId,
        page_size: pageSize + 1,
        ...(query.status !== 'all' && { status_filter: query.status }),
        ...(query.search.trim() && { search: query.search.trim() }),
        ...(after && { after_created_at: after.createdAt, after_id: after.id }),
      }),
    ),
    'queue_list_page() result',
  );
  const page = rows.slice(0, pageSize);
  const waiting = page.filter((item) => ACTIVE.includes(item.status)).map((item) => item.id);
  const outlook = waiting.length > 0 ? await getQueueOutlook(clientId, waiting) : new Map<string, QueueOutlook>();
  const last = page.at(-1);
  return {
    items: page.map(({ lead_name, lead_phone, ...item }) => ({ ...item, leadName: lead_name, leadPhone: lead_phone, outlook: outlook.get(item.id) ?? null })),
    next: rows.length > pageSize && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}

/** The status tabs' counts (queue_list_counts: kept counters, or the search's matches, among the newest 1,000 items for a broad term; RLS applies). */
export async function getQueueStatusCounts(clientId: string, search: string): Promise<QueueStatusCounts> {
  const rows = parseResponse(
    QueueListCountRows,
    unwrap(await supabase.rpc('queue_list_counts', { for_client: clientId, ...(search.trim() && { search: search.trim() }) })),
    'queue_list_counts() result',
  );
  const counts = Object.fromEntries(QUEUE_STATUSES.map((status) => [status, { items: 0, capped: false }])) as QueueStatusCounts;
  for (const row of rows) counts[row.status] = { items: row.items, capped: row.capped };
  return counts;
}

/** Why each of these waiting items waits and when it is expected to go (queue_outlook: RLS decides what it sees). */
export async function getQueueOutlook(clientId: string, itemIds: string[]): Promise<Map<string, QueueOutlook>> {
  const rows = parseResponse(QueueOutlookRows, unwrap(await supabase.rpc('queue_outlook', { item_ids: itemIds, for_client: clientId })), 'queue_outlook() result');
  return new Map(rows.map(({ queue_item_id, ...outlook }) => [queue_item_id, outlook]));
}

/** When the client's last waiting item is expected to go, or that processing is paused. */
export async function getQueueDrain(clientId: string): Promise<QueueDrain> {
  const row = unwrap(await supabase.rpc('queue_drain', { for_client: clientId }).single());
  return parseResponse(QueueDrainRow, row, 'queue_drain() result');
}

/** Sent today against the daily capacity ("137 of 200 sent today"). */
export async function getCapacityToday(clientId: string): Promise<CapacityToday> {
  const row = unwrap(await supabase.rpc('queue_capacity_today', { for_client: clientId }).single());
  return parseResponse(CapacityTodayRow, row, 'queue_capacity_today() result');
}

/** An item's history from the audit log, oldest first (RLS: the admin's own items, a manager's client's). */
export async function getItemHistory(itemId: string): Promise<HistoryEntry[]> {
  const rows = unwrap(
    await supabase
      .from('queue_audit_log')
      .select('id, action, from_status, to_status, actor_id, details, created_at')
      .eq('queue_item_id', itemId)
      .order('created_at')
      .order('id'),
  );
  return rows.map((row) => ({ ...row, details: row.details !== null && typeof row.details === 'object' && !Array.isArray(row.details) ? row.details : {} }));
}

/** Cancels every waiting item of the client the caller may cancel, in one call; returns how many. */
export async function cancelWaitingItems(clientId: string): Promise<number> {
  return unwrap(await supabase.rpc('cancel_waiting_items', { for_client: clientId }));
}

/** How these leads would go over the open days from `from` within each day's remaining capacity, the cool-down's skips apart (preview_spread). */
export async function previewSpread(clientId: string, leadIds: string[], from: string, includeRecentlyContacted: boolean): Promise<SpreadPreview> {
  const answer = unwrap(
    await supabase.rpc('preview_spread', { lead_ids: leadIds, for_client: clientId, at: from, include_recently_contacted: includeRecentlyContacted }),
  );
  return parseResponse(SpreadPreviewRow, answer, 'preview_spread() result');
}

/** Queues the leads over the coming open days in one transaction, through enqueue_leads once per day with the batch's choice (enqueue_spread). */
export async function enqueueSpread(clientId: string, leadIds: string[], priority: QueuePriority, from: string, choice: SpreadChoice): Promise<SpreadResult> {
  const answer = unwrap(
    await supabase.rpc('enqueue_spread', {
      lead_ids: leadIds,
      for_client: clientId,
      priority,
      start_at: from,
      message_template: choice.template,
      message_variables: choice.variables,
      include_recently_contacted: choice.includeRecentlyContacted,
    }),
  );
  return parseResponse(SpreadResultRow, answer, 'enqueue_spread() result');
}

/** The dashboard's counts for one client (an admin of several sees the one picked). */
export async function getQueueStatus(clientId: string): Promise<QueueStatus> {
  const [row] = parseResponse(QueueStatusRows, unwrap(await supabase.rpc('queue_status', { for_client: clientId })), 'queue_status() result');
  if (!row) throw new ServiceError('bad_response', 'queue_status() returned no row');
  return row;
}

/** Each visible admin's numbers in one client, counted exactly as queue_status() counts the total (RLS decides who is visible). */
export async function getAdminStatus(clientId: string): Promise<AdminStatus[]> {
  return parseResponse(AdminStatusRows, unwrap(await supabase.rpc('queue_admin_status', { for_client: clientId })), 'queue_admin_status() result');
}

export async function setProcessingState(state: ProcessingState, clientId: string): Promise<ProcessingState> {
  return unwrap(await supabase.rpc('set_processing_state', { state, client_id: clientId }));
}

export async function cancelQueueItems(ids: string[]): Promise<number> {
  return unwrap(await supabase.rpc('cancel_queue_items', { ids }));
}

export async function retryQueueItems(ids: string[]): Promise<number> {
  return unwrap(await supabase.rpc('retry_queue_items', { ids }));
}

/** Queues leads through the queue-leads Edge Function, which applies the business rules. */
export async function queueLeads(request: QueueLeadsRequest): Promise<QueueLeadsResult> {
  const { data, error } = await supabase.functions.invoke<unknown>('queue-leads', { body: request });
  if (error) throw await fromFunctions(error);
  return parseResponse(QueueLeadsResponse, data, 'queue-leads answer');
}
