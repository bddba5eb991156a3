import { vi } from 'vitest';
import type * as ExportService from '@/services/leads/exportService';
import { CSV_BOM, csvRow } from '@/lib/csv';
import type { ExportFilter } from '@/types/queue';
import { backend } from '../backend';

const EXPORT_HEADER = ['queue_item_id', 'lead_name', 'lead_phone', 'status'];

/** Stands in for services/leads/exportService: backend.exportRows as a small CSV, progress reported in steps of two. */
export const exportService = {
  EXPORT_HEADER,
  exportQueueFile: vi.fn(async (filter: ExportFilter, onProgress: (rows: number) => void) => {
    const rows = backend.exportRows.filter((row) => filter.status === 'all' || row.status === filter.status);
    for (let i = 2; i < rows.length + 2; i += 2) onProgress(Math.min(i, rows.length));
    const lines = rows.map((row) => csvRow([row.id, row.lead?.name, row.lead?.phone, row.status]));
    return { file: new Blob([CSV_BOM, csvRow(EXPORT_HEADER), ...lines]), rows: rows.length };
  }),
} satisfies typeof ExportService;
