import { supabase } from '@/integrations/supabase/client';
import { unwrap } from '@/services/errors';
import type { ExportFilter, ExportRow } from '@/types/queue';

const PAGE = 1000; // PostgREST's max rows per response
const COLUMNS =
  'id, created_at, status, priority, scheduled_for, processed_at, attempts, error_code, last_error, agent_conversation_id, message_template, lead:leads(name, phone)';

/**
 * The client's queue items in [from, to) by creation, one page at a time in (created_at, id) order (keyset, so a
 * page costs the same at row 100,000 as at row 1); RLS decides which items the caller sees.
 */
export async function exportQueueItems(filter: ExportFilter, onPage: (rows: ExportRow[]) => void | Promise<void>): Promise<number> {
  let after: { created_at: string; id: string } | null = null;
  let total = 0;
  for (;;) {
    let query = supabase.from('whatsapp_message_queue').select(COLUMNS).eq('client_id', filter.clientId).gte('created_at', filter.from).lt('created_at', filter.to);
    if (filter.status !== 'all') query = query.eq('status', filter.status);
    if (after) query = query.or(`created_at.gt.${after.created_at},and(created_at.eq.${after.created_at},id.gt.${after.id})`);
    const rows = unwrap(await query.order('created_at').order('id').limit(PAGE)) as unknown as ExportRow[];
    if (rows.length > 0) await onPage(rows);
    total += rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return total;
    after = { created_at: last.created_at, id: last.id };
  }
}
