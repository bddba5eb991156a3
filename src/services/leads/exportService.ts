import { supabase, supabaseApi } from '@/integrations/supabase/client';
import { trackedFetch } from '@/integrations/supabase/apiHealth';
import { fromPostgrest, ServiceError, unwrap } from '@/services/errors';
import { CSV_BOM } from '@/lib/csv';
import type { ExportFilter } from '@/types/queue';

const PAGE = 1000; // PostgREST's max rows per response

/** The file's columns: export_queue_csv's, whose names PostgREST writes as each page's first line. */
export const EXPORT_HEADER = [
  'queue_item_id', 'lead_name', 'lead_phone', 'status', 'priority', 'template', 'attempts', 'error_code', 'last_error',
  'agent_conversation_id', 'created_at', 'scheduled_for', 'processed_at',
];
const HEADER_BYTES = EXPORT_HEADER.join(',').length;

interface Cursor {
  created_at: string;
  id: string;
}

// The rows a read answered, from the Content-Range PostgREST sends on every read (0-999 of any total; a star when none).
function rowsOf(response: Response): number {
  const range = /^(\d+)-(\d+)\//.exec(response.headers.get('content-range') ?? '');
  return range ? Number(range[2]) - Number(range[1]) + 1 : 0;
}

/** One page of the file as PostgREST's CSV (header line first, LF between rows): the body goes to a Blob, not the heap. */
async function csvPage(filter: ExportFilter, after: Cursor | null, until: Cursor | null): Promise<{ csv: Blob; rows: number }> {
  const token = (await supabase.auth.getSession()).data.session?.access_token ?? supabaseApi.anonKey;
  const response = await trackedFetch(`${supabaseApi.url}/rest/v1/rpc/export_queue_csv`, {
    method: 'POST',
    headers: { apikey: supabaseApi.anonKey, authorization: `Bearer ${token}`, accept: 'text/csv', 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: filter.clientId,
      created_from: filter.from,
      created_to: filter.to,
      status_filter: filter.status,
      after_created_at: after?.created_at ?? null,
      after_id: after?.id ?? null,
      until_created_at: until?.created_at ?? null,
      until_id: until?.id ?? null,
    }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { message?: string; code?: string } | null;
    if (body?.code) throw fromPostgrest({ message: body.message ?? response.statusText, code: body.code }, response.status);
    throw new ServiceError('server_error', `Export failed: ${response.status} ${response.statusText}`, {}, response.status);
  }
  return { csv: await response.blob(), rows: rowsOf(response) };
}

/**
 * The client's queue items in [from, to) by creation as CSV pages, in (created_at, id) order: first the key where the
 * page ends (keyset, so a page costs the same at row 100,000 as at row 1), then the rows up to it as text/csv, cells
 * already defused by the database. RLS decides which items the caller sees. `onPage` gets each page's Blob and size.
 */
async function exportQueueCsv(filter: ExportFilter, onPage: (csv: Blob, rows: number) => void | Promise<void>): Promise<number> {
  let after: Cursor | null = null;
  let total = 0;
  for (;;) {
    const ends: Cursor[] = unwrap(
      await supabase.rpc('export_page_end', {
        client_id: filter.clientId,
        created_from: filter.from,
        created_to: filter.to,
        status_filter: filter.status,
        after_created_at: after?.created_at,
        after_id: after?.id,
        page_size: PAGE,
      }),
    );
    const until: Cursor | null = ends[0] ?? null;
    const { csv, rows } = await csvPage(filter, after, until);
    total += rows;
    await onPage(csv, rows);
    if (!until) return total;
    after = until;
  }
}

/**
 * The whole file: BOM and header, then every page sliced past its own header line (PostgREST writes none for an empty
 * answer), keeping the LF that joins it on. Slicing a Blob copies nothing into the page's heap, so it holds no rows.
 * `onProgress` gets the rows so far after each page.
 */
export async function exportQueueFile(filter: ExportFilter, onProgress: (rows: number) => void): Promise<{ file: Blob; rows: number }> {
  const parts: Blob[] = [new Blob([CSV_BOM, EXPORT_HEADER.join(',')])];
  let count = 0;
  await exportQueueCsv(filter, (csv, rows) => {
    if (rows > 0) parts.push(csv.slice(HEADER_BYTES));
    count += rows;
    onProgress(count);
  });
  parts.push(new Blob(['\n']));
  return { file: new Blob(parts, { type: 'text/csv;charset=utf-8' }), rows: count };
}
