import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Activity, CalendarClock, Clock, Hourglass, Pause, Play } from 'lucide-react';
import { useFormat } from '@/hooks/useFormat';
import { useScopeOutlook } from '@/hooks/useOutlook';
import { useQueueStatus } from '@/hooks/useQueueStatus';
import { nowDate } from '@/lib/clock';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { LoadErrorAlert } from './LoadErrorAlert';
import { NextWindowText } from './NextWindowText';

function Fact({ icon, label, children, testId }: { icon: ReactNode; label: string; children: ReactNode; testId?: string }) {
  // dt and dd stay direct children of one div under the dl, as the list semantics require.
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <dt className="flex items-center gap-2 text-sm text-muted-foreground [&_svg]:size-4 [&_svg]:shrink-0">
        {icon}
        {label}
      </dt>
      <dd className="ps-6 font-medium" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** Running or paused, when the processor last ran, when the next window opens, what is in flight. */
export function QueueProcessingStatus() {
  const { t } = useTranslation();
  const format = useFormat();
  const { queueStatus, isProcessing, error } = useQueueStatus();
  const outlook = useScopeOutlook();

  return (
    <Card aria-labelledby="processing-title">
      <CardHeader>
        <CardTitle id="processing-title">{t('status.title')}</CardTitle>
      </CardHeader>
      <CardContent>
        {error && <LoadErrorAlert className="mb-3" error={error} />}
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Fact icon={isProcessing ? <Play aria-hidden="true" /> : <Pause aria-hidden="true" />} label={t('status.state')}>
            {queueStatus ? (
              <Badge variant={isProcessing ? 'success' : 'warning'} data-testid="processing-state">
                {t(`queue.state.${isProcessing ? 'running' : 'paused'}`)}
              </Badge>
            ) : (
              t('app.loading')
            )}
          </Fact>
          <Fact icon={<Clock aria-hidden="true" />} label={format.withZone(t('status.lastRun'))} testId="last-run">
            {queueStatus ? (format.dateTime(queueStatus.last_processor_run_at) ?? t('common.never')) : t('app.loading')}
          </Fact>
          <Fact icon={<CalendarClock aria-hidden="true" />} label={format.withZone(t('status.nextWindow'))} testId="next-window">
            <NextWindowText outlook={outlook} />
          </Fact>
          <Fact icon={<Activity aria-hidden="true" />} label={t('status.inFlight')} testId="in-flight">
            {queueStatus ? t('status.inFlightValue', { queued: queueStatus.queued, processing: queueStatus.processing }) : t('app.loading')}
          </Fact>
        </dl>
        {queueStatus?.sending_paused_until && new Date(queueStatus.sending_paused_until) > nowDate() && (
          <Alert variant="warning" className="mt-4" data-testid="sending-paused">
            <Hourglass aria-hidden="true" />
            <AlertDescription>{t('status.sendingPaused', { when: format.withZone(format.dateTime(queueStatus.sending_paused_until) ?? '') })}</AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
