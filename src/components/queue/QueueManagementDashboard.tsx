import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { AlertTriangle, CloudOff, Pause, Play, RefreshCw, Wifi, WifiOff } from 'lucide-react';
import { useAuth, useCanEdit } from '@/hooks/useAuth';
import { useErrorText } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { useQueueItems } from '@/hooks/useQueueItems';
import { useCancelAllWaiting, useQueueOutlook } from '@/hooks/useQueueOutlook';
import { useQueueStatus } from '@/hooks/useQueueStatus';
import { QUEUE_PAGE_SIZE, type QueueListItem } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Tabs, TabsContent } from '@/components/ui/tabs';
import { CapacityMeter } from './CapacityMeter';
import { ConfirmDialog } from './ConfirmDialog';
import { ItemHistoryDialog } from './ItemHistoryDialog';
import { LoadErrorAlert } from './LoadErrorAlert';
import { actionFor, type ItemAction } from '@/lib/queueActions';
import { ActionIcon, QueueList } from './QueueList';
import { STATUS_TABS, tabCount, type StatusTab } from '@/lib/statusTabs';
import { QueuePager, QueueSearch, QueueStatusTabs } from './QueueListControls';

/** Live: changes arrive by themselves; reconnecting: the socket is down, so the page polls; offline: the API does not answer. */
function LiveBadge({ live, offline }: { live: boolean; offline: boolean }) {
  const { t } = useTranslation();
  const state = offline ? 'offline' : live ? 'on' : 'off';
  const Icon = offline ? CloudOff : live ? Wifi : WifiOff;
  return (
    <Badge variant={live ? 'success' : offline ? 'destructive' : 'warning'} data-testid="live-indicator" data-state={state} className="max-w-full whitespace-normal">
      <Icon aria-hidden="true" />
      {t(`queue.live.${state}`)}
    </Badge>
  );
}

/** The queue: depth, start/pause, the item list with status filter, cancel and retry. */
export function QueueManagementDashboard() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const format = useFormat();
  const { membership, user } = useAuth();
  const canEdit = useCanEdit();
  const listId = useId();
  const [filter, setFilter] = useState<StatusTab>('all');
  const [search, setSearch] = useState('');
  const [busyItem, setBusyItem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [historyOf, setHistoryOf] = useState<QueueListItem | null>(null);
  const clientId = membership?.clientId ?? '';
  const status = useQueueStatus();
  const list = useQueueItems(clientId, { status: filter, search });
  const outlook = useQueueOutlook(clientId);
  const cancelAll = useCancelAllWaiting(clientId);

  const act = async (ids: string[], action: ItemAction, busyKey: string) => {
    setBusyItem(busyKey);
    try {
      const count = action === 'cancel' ? await list.cancel(ids) : await list.retry(ids);
      if (count > 0) toast.success(t(action === 'cancel' ? 'queue.cancelled' : 'queue.retried', { count }));
      else toast.info(t('queue.nothingChanged'));
      // The pressed button went away with the item's old status: the list keeps the focus.
      document.getElementById(listId)?.focus();
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
      document.getElementById(listId)?.focus();
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
  const failedIds = list.items.filter((item) => actionFor(item.status) === 'retry').map((item) => item.id);
  // Every waiting item of the client, not the loaded page: what "cancel all" cancels, in one server call.
  const waitingCount = (status.queueStatus?.depth ?? 0) + (status.queueStatus?.queued ?? 0);
  return (
    <Card aria-labelledby="queue-title">
      <CardHeader className="gap-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex min-w-0 flex-wrap items-center gap-3">
            <CardTitle id="queue-title">{t('queue.title')}</CardTitle>
            <LiveBadge live={status.live} offline={status.offline} />
          </div>
          <div className="flex flex-wrap items-center gap-4">
            <div className="flex items-baseline gap-2" aria-live="polite">
              <span className="text-sm text-muted-foreground">{t('queue.depth')}</span>
              <span className="text-2xl font-bold tabular-nums" data-testid="queue-depth">
                {depth === undefined ? '…' : format.number(depth)}
              </span>
            </div>
            {outlook.capacity && <CapacityMeter capacity={outlook.capacity} />}
            {canEdit && status.queueStatus && (
              <Button
                data-testid="processing-toggle"
                variant={status.isProcessing ? 'outline' : 'default'}
                disabled={status.changing}
                onClick={() => void toggleProcessing()}
              >
                {status.isProcessing ? <Pause aria-hidden="true" /> : <Play aria-hidden="true" />}
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
                <ActionIcon action="retry" />
                {t('queue.actions.retryAllFailed', { count: failedIds.length })}
              </Button>
            )}
            {canEdit && waitingCount >= 2 && (
              <Button size="sm" variant="outline" data-testid="cancel-all" disabled={busyItem !== null} onClick={() => setConfirming(true)}>
                <ActionIcon action="cancel" />
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
          </div>
        </div>
        <div className="flex flex-col gap-3 md:flex-row md:items-end md:justify-between">
          <QueueSearch onSearch={setSearch} />
        </div>
        <Tabs value={filter} onValueChange={(value) => setFilter(STATUS_TABS.find((tab) => tab === value) ?? 'all')}>
          <QueueStatusTabs counts={list.counts} />
          <TabsContent value={filter} className="mt-3 flex flex-col gap-3">
            {list.error && <LoadErrorAlert error={list.error} onRetry={() => void list.reload()} />}
            {list.loading && list.items.length === 0 ? (
              <p role="status" className="py-6 text-center text-muted-foreground">
                {t('app.loading')}
              </p>
            ) : list.items.length === 0 ? (
              <p className="py-6 text-center text-muted-foreground" data-testid="queue-empty">
                {search ? t('queue.list.noMatch', { search }) : t('queue.list.empty')}
              </p>
            ) : (
              <QueueList
                items={list.items}
                canEdit={canEdit}
                busyItem={busyItem}
                onAction={(item: QueueListItem, action) => void act([item.id], action, item.id)}
                id={listId}
                onHistory={setHistoryOf}
                me={user?.id}
              />
            )}
            <QueuePager
              pageIndex={list.pageIndex}
              pageSize={QUEUE_PAGE_SIZE}
              shown={list.items.length}
              total={list.counts ? tabCount(list.counts, filter) : null}
              hasNext={list.hasNext}
              busy={list.loading}
              onPrevious={list.previousPage}
              onNext={list.nextPage}
            />
          </TabsContent>
        </Tabs>
        <ItemHistoryDialog item={historyOf} me={user?.id} onClose={() => setHistoryOf(null)} />
      </CardContent>
    </Card>
  );
}
