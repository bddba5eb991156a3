import { FunctionsHttpError, type RealtimeChannel } from '@supabase/supabase-js';
import { supabase } from '@/integrations/supabase/client';
import { ServiceError, unwrap } from '@/services/errors';
import {
  QueueLeadsError,
  type Lead,
  type ProcessingState,
  type QueueErrorCode,
  type QueueItem,
  type QueueItemStatus,
  type QueueLeadsRequest,
  type QueueLeadsResult,
  type QueueListItem,
  type QueueStatus,
  type TimeWindow,
} from '@/types/queue';

const PAGE = 1000; // PostgREST's max rows per response
const ACTIVE: QueueItemStatus[] = ['pending', 'queued', 'processing'];
const LEAD_COLUMNS = 'id, name, phone, email, opted_out_at, last_contacted_at';
const ITEM_COLUMNS =
  'id, lead_id, user_id, status, priority, scheduled_for, processed_at, attempts, max_attempts, last_error, error_code, created_at, updated_at';

/** Reads every page of a query, since one response holds at most 1000 rows. */
async function readAll<T>(page: (from: number, to: number) => PromiseLike<{ data: T[] | null; error: { message: string; code?: string } | null }>): Promise<T[]> {
  const rows: T[] = [];
  for (let from = 0; ; from += PAGE) {
    const batch = unwrap(await page(from, from + PAGE - 1));
    rows.push(...batch);
    if (batch.length < PAGE) return rows;
  }
}

/** The client's leads in arrival order: those waiting longest come first. */
export async function listLeads(clientId: string): Promise<Lead[]> {
  return readAll<Lead>((from, to) =>
    supabase.from('leads').select(LEAD_COLUMNS).eq('client_id', clientId).order('created_at').order('id').range(from, to),
  );
}

/** Ids of leads that have an active (pending, queued or processing) queue item. */
export async function listActiveLeadIds(clientId: string): Promise<Set<string>> {
  const rows = await readAll<{ lead_id: string }>((from, to) =>
    supabase.from('whatsapp_message_queue').select('lead_id').eq('client_id', clientId).in('status', ACTIVE).order('id').range(from, to),
  );
  return new Set(rows.map((row) => row.lead_id));
}

export async function listQueueItems(clientId: string, status: QueueItemStatus | 'all', limit = 200): Promise<QueueListItem[]> {
  let query = supabase.from('whatsapp_message_queue').select(ITEM_COLUMNS).eq('client_id', clientId);
  if (status !== 'all') query = query.eq('status', status);
  const items = unwrap(await query.order('created_at', { ascending: false }).order('id').limit(limit)) as QueueItem[];
  const leadIds = [...new Set(items.map((item) => item.lead_id))];
  const leads = new Map<string, { name: string; phone: string }>();
  for (let i = 0; i < leadIds.length; i += 100) {
    const chunk = leadIds.slice(i, i + 100);
    const rows = unwrap(await supabase.from('leads').select('id, name, phone').in('id', chunk)) as { id: string; name: string; phone: string }[];
    for (const row of rows) leads.set(row.id, row);
  }
  return items.map((item) => ({ ...item, leadName: leads.get(item.lead_id)?.name ?? null, leadPhone: leads.get(item.lead_id)?.phone ?? null }));
}

export async function getQueueStatus(): Promise<QueueStatus> {
  const row = unwrap(await supabase.rpc('queue_status').single()) as Record<string, unknown>;
  const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    depth: num(row.depth) ?? 0,
    queued: num(row.queued) ?? 0,
    processing: num(row.processing) ?? 0,
    sent_24h: num(row.sent_24h) ?? 0,
    failed_24h: num(row.failed_24h) ?? 0,
    success_rate: num(row.success_rate),
    oldest_pending_seconds: num(row.oldest_pending_seconds),
    processing_state: (row.processing_state as ProcessingState | null) ?? null,
    last_processor_run_at: (row.last_processor_run_at as string | null) ?? null,
  };
}

export async function setProcessingState(state: ProcessingState): Promise<ProcessingState> {
  return unwrap(await supabase.rpc('set_processing_state', { state })) as ProcessingState;
}

export async function cancelQueueItems(ids: string[]): Promise<number> {
  return Number(unwrap(await supabase.rpc('cancel_queue_items', { ids })));
}

export async function retryQueueItems(ids: string[]): Promise<number> {
  return Number(unwrap(await supabase.rpc('retry_queue_items', { ids })));
}

const KNOWN_CODES: QueueErrorCode[] = [
  'invalid_input',
  'forbidden',
  'business_closed',
  'outside_business_hours',
  'holiday',
  'capacity_exceeded',
  'rate_limited',
];

/** Queues leads through the queue-leads Edge Function, which applies the business rules. */
export async function queueLeads(request: QueueLeadsRequest): Promise<QueueLeadsResult> {
  const { data, error } = await supabase.functions.invoke<QueueLeadsResult>('queue-leads', { body: request });
  if (error) throw await toQueueLeadsError(error);
  if (!data) throw new QueueLeadsError('unknown', 'Empty response from queue-leads');
  return data;
}

async function toQueueLeadsError(error: unknown): Promise<QueueLeadsError> {
  if (error instanceof FunctionsHttpError) {
    const response = error.context as Response;
    const body = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string; nextWindow?: TimeWindow | null; retryAfter?: number };
      msg?: string;
    } | null;
    const detail = body?.error;
    const code = KNOWN_CODES.find((known) => known === detail?.code) ?? 'unknown';
    const retryAfter = detail?.retryAfter ?? (Number(response.headers.get('retry-after')) || null);
    return new QueueLeadsError(code, detail?.message ?? body?.msg ?? `HTTP ${response.status}`, detail?.nextWindow ?? null, retryAfter);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new QueueLeadsError('network', message);
}

/** Tells this tab's listeners that the queue changed (after our own writes), ahead of realtime. */
export function notifyQueueChanged(): void {
  for (const listener of changeListeners) listener();
}

export type ChannelState = 'connecting' | 'live' | 'down';
type ChangeListener = () => void;
type StateListener = (state: ChannelState) => void;

// One realtime channel for the whole app, shared by every hook that wants queue changes.
let channel: RealtimeChannel | null = null;
let channelSeq = 0;
let channelState: ChannelState = 'connecting';
const changeListeners = new Set<ChangeListener>();
const stateListeners = new Set<StateListener>();

function setChannelState(next: ChannelState): void {
  channelState = next;
  for (const listener of stateListeners) listener(next);
}

/** Calls `onChange` on every change to the queue table the user can see; returns the unsubscribe. */
export function subscribeQueueChanges(onChange: ChangeListener, onState: StateListener): () => void {
  changeListeners.add(onChange);
  stateListeners.add(onState);
  if (!channel) {
    channelState = 'connecting';
    channel = supabase
      // A fresh topic each time: the previous channel may still be leaving (StrictMode remounts).
      .channel(`queue-changes-${++channelSeq}`)
      .on('postgres_changes', { event: '*', schema: 'public', table: 'whatsapp_message_queue' }, () => {
        for (const listener of changeListeners) listener();
      })
      .subscribe((status) => setChannelState(status === 'SUBSCRIBED' ? 'live' : 'down'));
  }
  onState(channelState);
  return () => {
    changeListeners.delete(onChange);
    stateListeners.delete(onState);
    if (changeListeners.size === 0 && channel) {
      void supabase.removeChannel(channel);
      channel = null;
    }
  };
}

export { ServiceError };
