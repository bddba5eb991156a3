import { vi } from 'vitest';
import type * as ExportService from '@/services/leads/exportService';
import type { ExportFilter, ExportRow } from '@/types/queue';
import { backend } from '../backend';

/** Stands in for services/leads/exportService: backend.exportRows in pages of two. */
export const exportService = {
  exportQueueItems: vi.fn(async (filter: ExportFilter, onPage: (rows: ExportRow[]) => void | Promise<void>) => {
    const rows = backend.exportRows.filter((row) => filter.status === 'all' || row.status === filter.status);
    for (let i = 0; i < rows.length; i += 2) await onPage(rows.slice(i, i + 2));
    return rows.length;
  }),
} satisfies typeof ExportService;
