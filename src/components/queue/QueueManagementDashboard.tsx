import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { AlertTriangle, Pause, Play, RefreshCw, RotateCcw, Wifi, WifiOff, X } from 'lucide-react';
import { useAuth, useCanEdit } from '@/hooks/useAuth';
import { useEffectiveSettings } from '@/hooks/useEffectiveSettings';
import { useErrorText } from '@/hooks/useErrorText';
import { useQueueItems } from '@/hooks/useQueueItems';
import { useCancelAllWaiting, useQueueOutlook } from '@/hooks/useQueueOutlook';
import { useQueueStatus } from '@/hooks/useQueueStatus';
import { formatDateTime, formatNumber } from '@/lib/format';
import { QUEUE_STATUSES, type QueueItemStatus, type QueueListItem } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { PriorityBadge, StatusBadge } from './badges';
import { ConfirmDialog } from './ConfirmDialog';
import { ItemHistoryDialog } from './ItemHistoryDialog';
import { LoadErrorAlert } from './LoadErrorAlert';
import { WaitingReason } from './WaitingReason';

type ItemAction = 'cancel' | 'retry';
const CANCELLABLE: QueueItemStatus[] = ['pending', 'queued'];
const ACTION_ICON: Record<ItemAction, ReactNode> = { cancel: <X aria-hidden="true" />, retry: <RotateCcw aria-hidden="true" /> };

/** What an admin can do with an item in this status: waiting items can be cancelled, failed ones retried. */
function actionFor(status: QueueItemStatus): ItemAction | null {
  if (CANCELLABLE.includes(status)) return 'cancel';
  return status === 'failed' ? 'retry' : null;
}

/** The queue: depth, start/pause, the item list with status filter, cancel and retry. */
export function QueueManagementDashboard() {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const { membership, user } = useAuth();
  const canEdit = useCanEdit();
  const clientId = membership?.clientId ?? '';
  const { settings } = useEffectiveSettings();
  const outlook = useQueueOutlook(clientId);
  const cancelAll = useCancelAllWaiting(clientId);
  const [confirming, setConfirming] = useState(false);
  const [historyOf, setHistoryOf] = useState<QueueListItem | null>(null);
  const filterId = useId();
  const [filter, setFilter] = useState<QueueItemStatus | 'all'>('all');
  const [busyItem, setBusyItem] = useState<string | null>(null);
  const status = useQueueStatus();
  const list = useQueueItems(clientId, filter);
  const lang = i18n.language;

  const act = async (ids: string[], action: ItemAction, busyKey: string) => {
    setBusyItem(busyKey);
    try {
      const count = action === 'cancel' ? await list.cancel(ids) : await list.retry(ids);
      if (count > 0) toast.success(t(action === 'cancel' ? 'queue.cancelled' : 'queue.retried', { count }));
      else toast.info(t('queue.nothingChanged'));
    } catch (failure) {
      toast.error(errorText(failure));
    } finally {
      setBusyItem(null);
    }
  };

  const cancelEveryWaiting = async () => {
    setConfirming(false);
    setBusyItem('all');
    try {
      const count = await cancelAll();
      await list.reload();
      toast.success(t('queue.cancelled', { count }));
    } catch (failure) {
      toast.error(errorText(failure));
    } finally {
      setBusyItem(null);
    }
  };

  const toggleProcessing = async () => {
    const next = status.isProcessing ? 'paused' : 'running';
    const ok = await (next === 'running' ? status.startProcessing() : status.pauseProcessing());
    if (ok) toast.success(t(`queue.stateChanged.${next}`));
  };

  const depth = status.queueStatus?.depth;
  // Every waiting item of the client, not the loaded page: what "cancel all" cancels, in one server call.
  const waitingCount = (status.queueStatus?.depth ?? 0) + (status.queueStatus?.queued ?? 0);
  const failedIds = list.items.filter((item) => actionFor(item.status) === 'retry').map((item) => item.id);
  return (
    <Card aria-labelledby="queue-title">
      <CardHeader className="gap-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex items-center gap-3">
            <CardTitle id="queue-title">{t('queue.title')}</CardTitle>
            <Badge variant={status.live ? 'success' : 'warning'} data-testid="live-indicator" title={status.live ? undefined : t('queue.live.off')}>
              {status.live ? <Wifi aria-hidden="true" /> : <WifiOff aria-hidden="true" />}
              {status.live ? t('queue.live.on') : t('queue.live.off')}
            </Badge>
          </div>
          <div className="flex flex-wrap items-center gap-4">
            <div className="flex items-baseline gap-2" aria-live="polite">
              <span className="text-sm text-muted-foreground">{t('queue.depth')}</span>
              <span className="text-2xl font-bold tabular-nums" data-testid="queue-depth">
                {depth === undefined ? '…' : formatNumber(depth, lang)}
              </span>
            </div>
            {outlook.capacity && outlook.capacity.capacity > 0 && (
              <div className="flex min-w-44 flex-col gap-1 text-sm" data-testid="capacity-meter">
                <span>{t('queue.capacity', { sent: formatNumber(outlook.capacity.sent_today, lang), capacity: formatNumber(outlook.capacity.capacity, lang) })}</span>
                <meter
                  className="h-2 w-full"
                  min={0}
                  max={outlook.capacity.capacity}
                  value={Math.min(outlook.capacity.sent_today, outlook.capacity.capacity)}
                  aria-label={t('queue.capacity', { sent: outlook.capacity.sent_today, capacity: outlook.capacity.capacity })}
                />
              </div>
            )}
            {canEdit && status.queueStatus && (
              <Button
                data-testid="processing-toggle"
                variant={status.isProcessing ? 'outline' : 'default'}
                disabled={status.changing}
                onClick={() => void toggleProcessing()}
              >
                {status.isProcessing ? <Pause aria-hidden="true" /> : <Play className="rtl-mirror" aria-hidden="true" />}
                {status.isProcessing ? t('queue.actions.pause') : t('queue.actions.start')}
              </Button>
            )}
            <Button variant="ghost" size="icon" onClick={() => void Promise.all([status.refresh(), list.reload()])} aria-label={t('queue.actions.refresh')}>
              <RefreshCw aria-hidden="true" />
            </Button>
          </div>
        </div>
        {status.error && <LoadErrorAlert error={status.error} />}
        {status.actionError && (
          <Alert variant="destructive">
            <AlertTriangle aria-hidden="true" />
            <AlertDescription>{errorText(status.actionError)}</AlertDescription>
          </Alert>
        )}
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h3 className="font-semibold">{t('queue.list.title')}</h3>
          <div className="flex flex-wrap items-center gap-2">
            {canEdit && failedIds.length > 0 && (
              <Button size="sm" variant="outline" data-testid="retry-all" disabled={busyItem !== null} onClick={() => void act(failedIds, 'retry', 'all')}>
                {ACTION_ICON.retry}
                {t('queue.actions.retryAllFailed', { count: failedIds.length })}
              </Button>
            )}
            {canEdit && waitingCount >= 2 && (
              <Button size="sm" variant="outline" data-testid="cancel-all" disabled={busyItem !== null} onClick={() => setConfirming(true)}>
                {ACTION_ICON.cancel}
                {t('queue.actions.cancelAllWaiting', { count: waitingCount })}
              </Button>
            )}
            <ConfirmDialog
              open={confirming}
              onOpenChange={setConfirming}
              title={t('queue.confirmCancelAll.title', { count: waitingCount })}
              description={t('queue.confirmCancelAll.description')}
              confirmLabel={t('queue.confirmCancelAll.confirm', { count: waitingCount })}
              onConfirm={() => void cancelEveryWaiting()}
            />
            <Label htmlFor={filterId}>{t('queue.list.filter')}</Label>
            <NativeSelect
              id={filterId}
              data-testid="status-filter"
              className="h-9 px-2"
              value={filter}
              options={[{ value: 'all' as const, label: t('queue.status.all') }, ...QUEUE_STATUSES.map((value) => ({ value, label: t(`queue.status.${value}`) }))]}
              onValueChange={setFilter}
            />
          </div>
        </div>
        {list.error && <LoadErrorAlert error={list.error} onRetry={() => void list.reload()} />}
        {list.loading && list.items.length === 0 ? (
          <p role="status" className="py-6 text-center text-muted-foreground">
            {t('app.loading')}
          </p>
        ) : list.items.length === 0 ? (
          <p className="py-6 text-center text-muted-foreground" data-testid="queue-empty">
            {t('queue.list.empty')}
          </p>
        ) : (
          <div
            className="max-h-[32rem] overflow-auto rounded-md border border-border focus-visible:outline-2 focus-visible:outline-ring"
            tabIndex={canEdit ? undefined : 0}
            aria-label={canEdit ? undefined : t('queue.list.title')}
            role={canEdit ? undefined : 'region'}
          >
            <Table data-testid="queue-list">
              <TableHeader className="sticky top-0 bg-muted">
                <TableRow>
                  <TableHead>{t('queue.list.lead')}</TableHead>
                  <TableHead>{t('queue.list.status')}</TableHead>
                  <TableHead>{t('queue.whyWhen')}</TableHead>
                  <TableHead>{t('queue.list.priority')}</TableHead>
                  <TableHead className="hidden md:table-cell">{t('queue.list.scheduled')}</TableHead>
                  <TableHead className="hidden lg:table-cell">{t('queue.list.attempts')}</TableHead>
                  {canEdit && <TableHead>{t('queue.list.actions')}</TableHead>}
                </TableRow>
              </TableHeader>
              <TableBody>
                {list.items.map((item) => {
                  const name = item.leadName ?? t('queue.list.unknownLead');
                  const action = actionFor(item.status);
                  return (
                    <TableRow key={item.id} data-testid="queue-item" data-item-id={item.id} data-status={item.status}>
                      <TableCell>
                        <Button
                          variant="link"
                          className="h-auto p-0 font-medium"
                          data-testid="item-history"
                          aria-label={t('history.open', { name })}
                          onClick={() => setHistoryOf(item)}
                        >
                          {name}
                        </Button>
                        {item.leadPhone && (
                          <div className="text-xs text-muted-foreground">
                            <span dir="ltr">{item.leadPhone}</span>
                          </div>
                        )}
                        {item.last_error && (
                          <Alert variant="destructive" className="mt-2 px-2 py-1 text-xs">
                            <AlertTriangle aria-hidden="true" />
                            <AlertDescription>
                              <span className="sr-only">{t('queue.list.error')}: </span>
                              {item.last_error}
                            </AlertDescription>
                          </Alert>
                        )}
                      </TableCell>
                      <TableCell>
                        <StatusBadge status={item.status} />
                      </TableCell>
                      <TableCell className="text-sm">
                        {item.outlook ? <WaitingReason outlook={item.outlook} own={item.user_id === user?.id} timeZone={settings?.timezone} /> : t('common.none')}
                      </TableCell>
                      <TableCell>
                        <PriorityBadge priority={item.priority} />
                      </TableCell>
                      <TableCell className="hidden text-muted-foreground md:table-cell">
                        {formatDateTime(item.scheduled_for, lang) ?? t('common.none')}
                      </TableCell>
                      <TableCell className="hidden tabular-nums lg:table-cell">
                        {item.attempts}/{item.max_attempts}
                      </TableCell>
                      {canEdit && (
                        <TableCell>
                          {action && (
                            <Button
                              size="sm"
                              variant="outline"
                              data-testid={`${action}-item`}
                              disabled={busyItem === item.id}
                              aria-label={t(`queue.actions.${action}Item`, { name })}
                              onClick={() => void act([item.id], action, item.id)}
                            >
                              {ACTION_ICON[action]}
                              {t(`queue.actions.${action}`)}
                            </Button>
                          )}
                        </TableCell>
                      )}
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
        )}
        <ItemHistoryDialog item={historyOf} me={user?.id} timeZone={settings?.timezone} onClose={() => setHistoryOf(null)} />
        {list.items.length >= 200 && <p className="text-xs text-muted-foreground">{t('queue.list.showing', { count: list.items.length })}</p>}
      </CardContent>
    </Card>
  );
}
