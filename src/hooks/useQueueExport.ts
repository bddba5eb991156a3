import { useCallback, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { exportQueueFile } from '@/services/leads/exportService';
import type { ExportFilter } from '@/types/queue';

/** The export as a file of per-page response Blobs (see exportQueueFile), with the rows so far for the status line. */
export function useQueueExport() {
  const [rows, setRows] = useState<number | null>(null);
  const [error, setError] = useState<ServiceError | null>(null);
  const [busy, setBusy] = useState(false);

  const run = useCallback(async (filter: ExportFilter): Promise<Blob | null> => {
    setBusy(true);
    setError(null);
    setRows(0);
    try {
      return (await exportQueueFile(filter, setRows)).file;
    } catch (failure) {
      setError(toServiceError(failure));
      return null;
    } finally {
      setBusy(false);
    }
  }, []);

  return { run, rows, error, busy };
}
