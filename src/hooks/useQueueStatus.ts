import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { getQueueStatus, setProcessingState } from '@/services/queue/queueService';
import type { ProcessingState, QueueStatus } from '@/types/queue';
import { useAuth } from './useAuth';
import { useLoader } from './useLoader';
import { useQueueChanges } from './useQueueChanges';

export interface QueueStatusValue {
  queueStatus: QueueStatus | null;
  isProcessing: boolean;
  error: ServiceError | null;
  /** Why the last start/pause failed. */
  actionError: ServiceError | null;
  loading: boolean;
  live: boolean;
  changing: boolean;
  refresh: () => Promise<void>;
  startProcessing: () => Promise<boolean>;
  pauseProcessing: () => Promise<boolean>;
}

/** Loads queue_status() and keeps it current; mounted once by QueueStatusProvider. */
export function useQueueStatusSource(): QueueStatusValue {
  const clientId = useAuth().membership?.clientId ?? '';
  const load = useCallback(() => getQueueStatus(clientId), [clientId]);
  const { data: queueStatus, error, loading, reload } = useLoader<QueueStatus>(load);
  const { live } = useQueueChanges(reload);
  const [changing, setChanging] = useState(false);
  const [actionError, setActionError] = useState<ServiceError | null>(null);

  const setProcessing = useCallback(
    async (state: ProcessingState): Promise<boolean> => {
      setChanging(true);
      setActionError(null);
      try {
        await setProcessingState(state, clientId);
        await reload();
        return true;
      } catch (e) {
        setActionError(toServiceError(e));
        return false;
      } finally {
        setChanging(false);
      }
    },
    [reload, clientId],
  );

  return useMemo(
    () => ({
      queueStatus,
      isProcessing: queueStatus?.processing_state === 'running',
      error,
      actionError,
      loading,
      live,
      changing,
      refresh: reload,
      startProcessing: () => setProcessing('running'),
      pauseProcessing: () => setProcessing('paused'),
    }),
    [queueStatus, error, actionError, loading, live, changing, reload, setProcessing],
  );
}

export const QueueStatusContext = createContext<QueueStatusValue | null>(null);

/**
 * The queue's status, shared by every panel that shows it: one queue_status() call per
 * change however many panels are on the page.
 */
/** The dashboard's status where a QueueStatusProvider is mounted, else null (a part shown on its own). */
export function useOptionalQueueStatus(): QueueStatusValue | null {
  return useContext(QueueStatusContext);
}

export function useQueueStatus(): QueueStatusValue {
  const value = useContext(QueueStatusContext);
  if (!value) throw new Error('useQueueStatus must be used inside <QueueStatusProvider>');
  return value;
}
