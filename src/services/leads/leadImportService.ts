import * as z from 'zod/mini';
import { supabase } from '@/integrations/supabase/client';
import { parseResponse, ServiceError, unwrap } from '@/services/errors';
import type { ImportRow } from '@/lib/leadImport';
import type { LeadImportReport } from '@/types/queue';

const count = z.number();
const Problem = z.object({ row: count, reason: z.string(), value: z.optional(z.string()) });
const Report: z.ZodMiniType<LeadImportReport> = z.object({
  import_id: z.string(),
  file_name: z.string(),
  total_rows: count,
  blank_rows: count,
  total_chunks: count,
  chunks_done: count,
  complete: z.boolean(),
  created: count,
  updated: count,
  unchanged: count,
  kept_opted_out: count,
  invalid: z.array(Problem),
});
const RETRIES = 4;

export interface ImportStart {
  importId: string;
  clientId: string;
  fileName: string;
  totalRows: number;
  blankRows: number;
  totalChunks: number;
}

export async function startLeadImport(start: ImportStart): Promise<void> {
  unwrap(
    await supabase.rpc('start_lead_import', {
      import_id: start.importId,
      client_id: start.clientId,
      file_name: start.fileName,
      total_rows: start.totalRows,
      total_chunks: start.totalChunks,
      blank_rows: start.blankRows,
    }),
  );
}

/** Sends one chunk; a dropped connection is retried, which is safe: the server applies a chunk once and answers it again. */
export async function importLeadChunk(importId: string, chunkNo: number, rows: readonly ImportRow[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      unwrap(await supabase.rpc('import_leads', { import_id: importId, chunk_no: chunkNo, rows: rows as never }));
      return;
    } catch (error) {
      if (!(error instanceof ServiceError) || error.code !== 'network' || attempt >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

/** The report of an import, built server side from its stored chunks (also after a reload or a cut-short import). */
export async function getLeadImportReport(importId: string): Promise<LeadImportReport> {
  const data = unwrap(await supabase.rpc('lead_import_report', { import_id: importId }));
  return parseResponse(Report, data, 'lead_import_report() result');
}
