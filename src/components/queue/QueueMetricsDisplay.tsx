import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertOctagon, AlertTriangle, Info } from 'lucide-react';
import { useAuth } from '@/hooks/useAuth';
import { useEffectiveSettings } from '@/hooks/useEffectiveSettings';
import { useQueueMetrics } from '@/hooks/useQueueMetrics';
import { useQueueOutlook } from '@/hooks/useQueueOutlook';
import { useQueueStatus } from '@/hooks/useQueueStatus';
import { nowDate } from '@/lib/clock';
import { formatDateTime, formatDuration, formatNumber, formatPercent } from '@/lib/format';
import type { QueueAlert } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { LoadErrorAlert } from './LoadErrorAlert';

const ThroughputChart = lazy(() => import('./ThroughputChart'));

function Stat({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <div className="rounded-lg border border-border bg-card p-4">
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="mt-1 text-2xl font-bold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

const PERFORMANCE_HEADINGS = ['user', 'totalQueued', 'sent', 'failed', 'successRate'] as const;
const PERFORMANCE_COUNTS = ['total_queued', 'sent', 'failed'] as const;

type Severity = 'critical' | 'warning' | 'info';
const SEVERITY_VARIANT = { critical: 'destructive', warning: 'warning', info: 'info' } as const;

function severityOf(alert: QueueAlert): Severity {
  return alert.severity === 'critical' || alert.severity === 'warning' ? alert.severity : 'info';
}

/** Depth, flow and success over 24 h, hourly throughput, alerts, the drain ETA and (for managers) per-admin results. */
export function QueueMetricsDisplay({ showPerformance = false }: { showPerformance?: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { queueStatus, error: statusError } = useQueueStatus();
  const metrics = useQueueMetrics({ includePerformance: showPerformance });
  const { settings } = useEffectiveSettings();
  const { drain } = useQueueOutlook(useAuth().membership?.clientId ?? '');
  const dash = t('common.none');

  // The drain is the last waiting item's expected send (queue_drain, the processor's rules in SQL).
  let eta: string = t('app.loading');
  if (drain && drain.waiting === 0) eta = t('metrics.etaEmpty');
  else if (drain?.paused) eta = t('metrics.etaPaused');
  else if (drain && drain.drain_at === null) eta = t('metrics.etaUnknown');
  else if (drain?.drain_at) {
    eta = t('metrics.etaValue', {
      duration: formatDuration(new Date(drain.drain_at).getTime() - nowDate().getTime(), t),
      when: formatDateTime(drain.drain_at, lang, settings?.timezone),
    });
  }

  const error = statusError ?? metrics.error;
  return (
    <div className="flex flex-col gap-4">
      {error && <LoadErrorAlert error={error} />}
      <section aria-labelledby="metrics-title" className="flex flex-col gap-3">
        <h2 id="metrics-title" className="text-lg font-semibold">
          {t('metrics.title')}
        </h2>
        <dl className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
          <Stat label={t('metrics.depth')} value={queueStatus ? formatNumber(queueStatus.depth, lang) : dash} testId="metric-depth" />
          <Stat label={t('metrics.processing')} value={queueStatus ? formatNumber(queueStatus.processing, lang) : dash} testId="metric-processing" />
          <Stat label={t('metrics.sent24h')} value={queueStatus ? formatNumber(queueStatus.sent_24h, lang) : dash} testId="metric-sent" />
          <Stat label={t('metrics.failed24h')} value={queueStatus ? formatNumber(queueStatus.failed_24h, lang) : dash} testId="metric-failed" />
          <Stat label={t('metrics.successRate')} value={formatPercent(queueStatus?.success_rate ?? null, lang) ?? dash} testId="metric-success" />
          <Stat
            label={t('metrics.oldest')}
            value={queueStatus?.oldest_pending_seconds ? formatDuration(queueStatus.oldest_pending_seconds * 1000, t) : dash}
            testId="metric-oldest"
          />
        </dl>
        <p className="text-sm">
          <span className="text-muted-foreground">{t('metrics.eta')}: </span>
          <span className="font-medium" data-testid="metric-eta">
            {eta}
          </span>
        </p>
      </section>

      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <Card aria-labelledby="throughput-title">
          <CardHeader>
            <CardTitle id="throughput-title">{t('metrics.throughput')}</CardTitle>
          </CardHeader>
          <CardContent>
            {metrics.throughput.every((row) => row.sent + row.failed + row.queued === 0) ? (
              <p className="text-muted-foreground" data-testid="throughput-empty">
                {metrics.loading ? t('app.loading') : t('metrics.throughputEmpty')}
              </p>
            ) : (
              <Suspense fallback={<p className="text-muted-foreground">{t('app.loading')}</p>}>
                <ThroughputChart data={metrics.throughput} />
              </Suspense>
            )}
          </CardContent>
        </Card>
        <Card aria-labelledby="alerts-title">
          <CardHeader>
            <CardTitle id="alerts-title">{t('metrics.alerts')}</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-2" data-testid="alerts">
            {metrics.alerts.length === 0 ? (
              <p className="text-muted-foreground">{metrics.loading ? t('app.loading') : t('metrics.noAlerts')}</p>
            ) : (
              metrics.alerts.map((alert) => {
                const severity = severityOf(alert);
                const Icon = severity === 'critical' ? AlertOctagon : severity === 'warning' ? AlertTriangle : Info;
                return (
                  <Alert key={alert.code} variant={SEVERITY_VARIANT[severity]} data-alert={alert.code}>
                    <Icon aria-hidden="true" />
                    <AlertDescription>
                      <strong>{t(`metrics.severity.${severity}`)}: </strong>
                      {alert.message}
                    </AlertDescription>
                  </Alert>
                );
              })
            )}
          </CardContent>
        </Card>
      </div>

      {showPerformance && (
        <Card aria-labelledby="performance-title">
          <CardHeader>
            <CardTitle id="performance-title">{t('metrics.performance')}</CardTitle>
          </CardHeader>
          <CardContent>
            {metrics.performance.length === 0 ? (
              <p className="text-muted-foreground" data-testid="performance-empty">
                {t('metrics.performanceEmpty')}
              </p>
            ) : (
              <Table data-testid="performance-table">
                <TableHeader>
                  <TableRow>
                    {PERFORMANCE_HEADINGS.map((key) => (
                      <TableHead key={key} scope="col">
                        {t(`metrics.${key}`)}
                      </TableHead>
                    ))}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {metrics.performance.map((row) => (
                    <TableRow key={row.user_id}>
                      <TableCell>
                        <span dir="ltr">{row.email ?? row.user_id}</span>
                      </TableCell>
                      {PERFORMANCE_COUNTS.map((key) => (
                        <TableCell key={key} className="tabular-nums">
                          {formatNumber(row[key], lang)}
                        </TableCell>
                      ))}
                      <TableCell className="tabular-nums">{formatPercent(row.success_rate, lang) ?? dash}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
      )}
    </div>
  );
}
