import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertOctagon, AlertTriangle, Info } from 'lucide-react';
import { describeAlert } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { useQueueMetrics } from '@/hooks/useQueueMetrics';
import { useAuth } from '@/hooks/useAuth';
import { useQueueOutlook } from '@/hooks/useQueueOutlook';
import { useQueueStatus } from '@/hooks/useQueueStatus';
import { nowDate } from '@/lib/clock';
import { formatDuration } from '@/lib/format';
import type { QueueAlert } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Hint } from '@/components/ui/hint';
import { AdminNumbers } from './AdminNumbers';
import { LoadErrorAlert } from './LoadErrorAlert';

const ThroughputChart = lazy(() => import('./ThroughputChart'));

type StatKey = 'depth' | 'processing' | 'sent24h' | 'failed24h' | 'successRate' | 'oldest';

function Stat({ stat, value, testId }: { stat: StatKey; value: ReactNode; testId: string }) {
  const { t } = useTranslation();
  const label = t(`metrics.${stat}`);
  return (
    <div className="relative rounded-lg border border-border bg-card p-4">
      <dt className="flex items-center gap-1 text-sm text-muted-foreground">
        {label}
        <Hint label={t('metrics.whatIsCounted', { what: label })}>{t(`metrics.counted.${stat}`)}</Hint>
      </dt>
      <dd className="mt-1 text-2xl font-bold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

type Severity = 'critical' | 'warning' | 'info';
const SEVERITY_VARIANT = { critical: 'destructive', warning: 'warning', info: 'info' } as const;

function severityOf(alert: QueueAlert): Severity {
  return alert.severity === 'critical' || alert.severity === 'warning' ? alert.severity : 'info';
}

/** Depth, flow and success over 24 h, hourly throughput, alerts, the drain ETA and (for managers) per-admin numbers. */
export function QueueMetricsDisplay({ showPerformance = false }: { showPerformance?: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { queueStatus, total, admins, error: statusError } = useQueueStatus();
  const clientId = useAuth().membership?.clientId ?? '';
  const metrics = useQueueMetrics(clientId);
  const { drain } = useQueueOutlook(clientId);
  const dash = t('common.none');

  // The drain is the last waiting item's expected send (queue_drain, the processor's rules in SQL), or paused.
  let eta: string = t('app.loading');
  if (drain && drain.waiting === 0) eta = t('metrics.etaEmpty');
  else if (drain?.paused) eta = t('metrics.etaPaused');
  else if (drain && drain.drain_at === null) eta = t('metrics.etaUnknown');
  else if (drain?.drain_at) {
    eta = t('metrics.etaValue', {
      duration: formatDuration(new Date(drain.drain_at).getTime() - nowDate().getTime(), t),
      when: format.withZone(format.dateTime(drain.drain_at) ?? ''),
    });
  }

  const error = statusError ?? metrics.error;
  const number = (value: number | undefined) => (value === undefined ? dash : format.number(value));
  return (
    <div className="flex flex-col gap-4">
      {error && <LoadErrorAlert error={error} />}
      <section aria-labelledby="metrics-title" className="flex flex-col gap-3">
        <h2 id="metrics-title" className="text-lg font-semibold">
          {t('metrics.title')}
        </h2>
        <dl className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
          <Stat stat="depth" value={number(queueStatus?.depth)} testId="metric-depth" />
          <Stat stat="processing" value={number(queueStatus?.processing)} testId="metric-processing" />
          <Stat stat="sent24h" value={number(queueStatus?.sent_24h)} testId="metric-sent" />
          <Stat stat="failed24h" value={number(queueStatus?.failed_24h)} testId="metric-failed" />
          <Stat stat="successRate" value={format.percent(queueStatus?.success_rate ?? null) ?? dash} testId="metric-success" />
          <Stat
            stat="oldest"
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
        <Card aria-labelledby="throughput-title" className="min-w-0">
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
        <Card aria-labelledby="alerts-title" className="relative min-w-0">
          <CardHeader>
            <CardTitle id="alerts-title" className="flex items-center gap-1">
              {t('metrics.alerts')}
              <Hint label={t('metrics.whatIsCounted', { what: t('metrics.alerts') })}>{t('metrics.counted.alerts')}</Hint>
            </CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-2" data-testid="alerts">
            {metrics.alerts.length === 0 ? (
              <p className="text-muted-foreground">{metrics.loading ? t('app.loading') : t('metrics.noAlerts')}</p>
            ) : (
              metrics.alerts.map((alert) => {
                const severity = severityOf(alert);
                const Icon = severity === 'critical' ? AlertOctagon : severity === 'warning' ? AlertTriangle : Info;
                return (
                  <Alert key={`${alert.code}-${alert.value ?? ''}`} variant={SEVERITY_VARIANT[severity]} data-alert={alert.code}>
                    <Icon aria-hidden="true" />
                    <AlertDescription>
                      <strong>{t(`metrics.severity.${severity}`)}: </strong>
                      {describeAlert(alert, t, format.number, (value) => format.percent(value) ?? String(value))}
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
            {admins.length === 0 ? (
              <p className="text-muted-foreground" data-testid="performance-empty">
                {t('metrics.performanceEmpty')}
              </p>
            ) : (
              <AdminNumbers admins={admins} total={total} />
            )}
          </CardContent>
        </Card>
      )}
    </div>
  );
}
