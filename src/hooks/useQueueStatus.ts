import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { getAdminStatus, getQueueStatus, setProcessingState } from '@/services/queue/queueService';
import type { AdminStatus, ProcessingState, QueueStatus } from '@/types/queue';
import { useAuth } from './useAuth';
import { useConnection } from './useConnection';
import { useLoader } from './useLoader';
import { useQueueChanges } from './useQueueChanges';
import { useQueueScope } from './useQueueScope';

export interface QueueStatusValue {
  /** The numbers of the shown scope: one admin's, or the client's total. */
  queueStatus: QueueStatus | null;
  /** The client's total (for an admin: their own queue). */
  total: QueueStatus | null;
  /** Every visible admin's numbers; they add up to the total. */
  admins: AdminStatus[];
  isProcessing: boolean;
  error: ServiceError | null;
  /** Why the last start/pause failed. */
  actionError: ServiceError | null;
  loading: boolean;
  /** Changes arrive by themselves: the realtime socket is joined and the API answers. */
  live: boolean;
  /** The API did not answer the last call. */
  offline: boolean;
  changing: boolean;
  refresh: () => Promise<void>;
  startProcessing: () => Promise<boolean>;
  pauseProcessing: () => Promise<boolean>;
}

/** Loads queue_status() and queue_admin_status() and keeps them current; mounted once by QueueStatusProvider. */
export function useQueueStatusSource(): QueueStatusValue {
  const { user, membership } = useAuth();
  const isManager = membership?.role === 'manager';
  const clientId = membership?.clientId ?? '';
  const userId = user?.id ?? '';
  const email = user?.email ?? null;
  // An admin sees only their own queue: their one row is the total, so one call does.
  const loadStatus = useCallback(async (): Promise<{ total: QueueStatus; admins: AdminStatus[] }> => {
    if (!isManager) {
      const total = await getQueueStatus(clientId);
      return { total, admins: [{ ...total, user_id: userId, client_id: clientId, email }] };
    }
    const [total, admins] = await Promise.all([getQueueStatus(clientId), getAdminStatus(clientId)]);
    return { total, admins };
  }, [isManager, clientId, userId, email]);
  const { data, error, loading, reload } = useLoader(loadStatus);
  const { live: socketLive } = useQueueChanges(reload);
  const { apiUp } = useConnection();
  const { adminId } = useQueueScope();
  const [changing, setChanging] = useState(false);
  const [actionError, setActionError] = useState<ServiceError | null>(null);

  const admins = useMemo(() => data?.admins ?? [], [data]);
  const queueStatus = adminId === null ? (data?.total ?? null) : (admins.find((row) => row.user_id === adminId) ?? null);

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
      total: data?.total ?? null,
      admins,
      isProcessing: queueStatus?.processing_state === 'running',
      error,
      actionError,
      loading,
      live: socketLive && apiUp,
      offline: !apiUp,
      changing,
      refresh: reload,
      startProcessing: () => setProcessing('running'),
      pauseProcessing: () => setProcessing('paused'),
    }),
    [queueStatus, data, admins, error, actionError, loading, socketLive, apiUp, changing, reload, setProcessing],
  );
}

export const QueueStatusContext = createContext<QueueStatusValue | null>(null);

/**
 * The queue's status, shared by every panel that shows it: one round of status calls per
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
