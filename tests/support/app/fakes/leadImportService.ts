import { vi } from 'vitest';
import type * as LeadImportService from '@/services/leads/leadImportService';
import type { ImportStart } from '@/services/leads/leadImportService';
import type { ImportRow } from '@/lib/leadImport';
import { backend } from '../backend';

/** Stands in for services/leads/leadImportService: every row with a phone is "created", the others reported. */
export const leadImportService = {
  startLeadImport: vi.fn(async (start: ImportStart) => {
    backend.imports.set(start.importId, { fileName: start.fileName, totalRows: start.totalRows, blankRows: start.blankRows, totalChunks: start.totalChunks });
    backend.importChunks.set(start.importId, new Map());
  }),
  importLeadChunk: vi.fn(async (importId: string, chunkNo: number, rows: readonly ImportRow[]) => {
    backend.importChunks.get(importId)?.set(chunkNo, rows);
  }),
  getLeadImportReport: vi.fn(async (importId: string) => {
    const started = backend.imports.get(importId)!;
    const rows = [...(backend.importChunks.get(importId)?.values() ?? [])].flat();
    const invalid = rows
      .filter((row) => row.error || !row.phone || !row.name)
      .map((row) => ({ row: row.row, reason: row.error ?? (row.name ? 'missing_phone' : 'missing_name'), ...(row.value ? { value: row.value } : {}) }));
    return {
      import_id: importId,
      file_name: started.fileName,
      total_rows: started.totalRows,
      blank_rows: started.blankRows,
      total_chunks: started.totalChunks,
      chunks_done: backend.importChunks.get(importId)?.size ?? 0,
      complete: (backend.importChunks.get(importId)?.size ?? 0) === started.totalChunks,
      created: rows.length - invalid.length,
      updated: 0,
      unchanged: 0,
      kept_opted_out: 0,
      invalid,
    };
  }),
} satisfies typeof LeadImportService;
