import { useCallback, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { exportQueueItems } from '@/services/leads/exportService';
import { CSV_BOM, csvRow } from '@/lib/csv';
import type { ExportFilter, ExportRow } from '@/types/queue';

export const EXPORT_HEADER = [
  'queue_item_id', 'lead_name', 'lead_phone', 'status', 'priority', 'template', 'attempts', 'error_code', 'last_error',
  'agent_conversation_id', 'created_at', 'scheduled_for', 'processed_at',
];

const toCells = (row: ExportRow) => [
  row.id, row.lead?.name, row.lead?.phone, row.status, row.priority, row.message_template, row.attempts, row.error_code, row.last_error,
  row.agent_conversation_id, row.created_at, row.scheduled_for, row.processed_at,
];

/**
 * The export as a file: each page becomes a Blob of its own as it arrives, and the file is those Blobs joined, so the
 * page's JavaScript heap holds one page of rows at a time, not the whole export.
 */
export function useQueueExport() {
  const [rows, setRows] = useState<number | null>(null);
  const [error, setError] = useState<ServiceError | null>(null);
  const [busy, setBusy] = useState(false);

  const run = useCallback(async (filter: ExportFilter): Promise<Blob | null> => {
    setBusy(true);
    setError(null);
    setRows(0);
    const parts: Blob[] = [new Blob([CSV_BOM, csvRow(EXPORT_HEADER)])];
    try {
      let count = 0;
      await exportQueueItems(filter, (page) => {
        parts.push(new Blob([page.map((row) => csvRow(toCells(row))).join('')]));
        count += page.length;
        setRows(count);
      });
      return new Blob(parts, { type: 'text/csv;charset=utf-8' });
    } catch (failure) {
      setError(toServiceError(failure));
      return null;
    } finally {
      setBusy(false);
    }
  }, []);

  return { run, rows, error, busy };
}
