import { useCallback } from 'react';
import { getAlerts, getHourlyThroughput } from '@/services/queue/queueMetricsService';
import { useLoader } from './useLoader';
import { useQueueChanges } from './useQueueChanges';

// The roll-ups follow the items; the alerts also ask which admins are running.
const METRICS_CHANGES = ['items', 'settings'] as const;

// Metrics are roll-ups: a second of lag is fine and keeps bursts to one round of RPCs.
const METRICS_COALESCE_MS = 1000;

/** One client's hourly throughput and alerts; the counts themselves come with the queue status (useQueueStatus). */
export function useQueueMetrics(clientId: string) {
  const throughput = useLoader(useCallback(() => getHourlyThroughput(clientId, 24), [clientId]));
  const alerts = useLoader(useCallback(() => getAlerts(clientId), [clientId]));
  const { reload: reloadThroughput } = throughput;
  const { reload: reloadAlerts } = alerts;
  const reloadAll = useCallback(() => {
    void reloadThroughput();
    void reloadAlerts();
  }, [reloadThroughput, reloadAlerts]);
  useQueueChanges(reloadAll, { kinds: METRICS_CHANGES, coalesceMs: METRICS_COALESCE_MS });

  return {
    throughput: throughput.data ?? [],
    alerts: alerts.data ?? [],
    loading: throughput.loading || alerts.loading,
    error: throughput.error ?? alerts.error,
    reload: reloadAll,
  };
}
