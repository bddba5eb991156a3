import { useCallback } from 'react';
import { getAlerts, getHourlyThroughput, getUserPerformance } from '@/services/queue/queueMetricsService';
import type { UserPerformance } from '@/types/queue';
import { useLoader } from './useLoader';
import { useQueueChanges } from './useQueueChanges';

// The roll-ups follow the items; the alerts also ask which admins are running.
const METRICS_CHANGES = ['items', 'settings'] as const;

// Metrics are roll-ups: a second of lag is fine and keeps bursts to one round of RPCs.
const METRICS_COALESCE_MS = 1000;

export function useQueueMetrics({ includePerformance }: { includePerformance: boolean }) {
  const throughput = useLoader(useCallback(() => getHourlyThroughput(24), []));
  const alerts = useLoader(getAlerts);
  const performance = useLoader(
    useCallback(() => (includePerformance ? getUserPerformance(7) : Promise.resolve<UserPerformance[]>([])), [includePerformance]),
  );
  const { reload: reloadThroughput } = throughput;
  const { reload: reloadAlerts } = alerts;
  const { reload: reloadPerformance } = performance;
  const reloadAll = useCallback(() => {
    void reloadThroughput();
    void reloadAlerts();
    void reloadPerformance();
  }, [reloadThroughput, reloadAlerts, reloadPerformance]);
  useQueueChanges(reloadAll, { kinds: METRICS_CHANGES, coalesceMs: METRICS_COALESCE_MS });

  return {
    throughput: throughput.data ?? [],
    alerts: alerts.data ?? [],
    performance: performance.data ?? [],
    loading: throughput.loading || alerts.loading,
    error: throughput.error ?? alerts.error ?? performance.error,
    reload: reloadAll,
  };
}
