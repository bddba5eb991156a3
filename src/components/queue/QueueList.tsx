
import { useTranslation } from 'react-i18next';
import { AlertTriangle, History, RotateCcw, X } from 'lucide-react';
import { describeAgentFailure } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { formatPhone } from '@/lib/format';
import { actionFor, type ItemAction } from '@/lib/queueActions';
import type { QueueListItem } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import { PriorityBadge, StatusBadge } from './badges';
import { QueueItemDialog } from './QueueItemDialog';
import { WaitingReason } from './WaitingReason';

export function ActionIcon({ action }: { action: ItemAction }) {
  return action === 'cancel' ? <X aria-hidden="true" /> : <RotateCcw aria-hidden="true" />;
}

// Wide: columns under one header. Narrow (phones): each item a card: name and status, then when and priority,
// then why / when, then the action, so nothing needs sideways scrolling.
const WIDE_COLUMNS = {
  edit: 'md:grid-cols-[minmax(0,2fr)_7rem_minmax(0,2fr)_6rem_minmax(8rem,1fr)_8rem] lg:grid-cols-[minmax(0,2fr)_7rem_minmax(0,2fr)_6rem_minmax(8rem,1fr)_5.5rem_8rem]',
  read: 'md:grid-cols-[minmax(0,2fr)_7rem_minmax(0,2fr)_6rem_minmax(8rem,1fr)] lg:grid-cols-[minmax(0,2fr)_7rem_minmax(0,2fr)_6rem_minmax(8rem,1fr)_5.5rem]',
};
const CELL = { status: 'max-md:col-start-2 max-md:row-start-1 max-md:justify-self-end', priority: 'max-md:col-start-2 max-md:row-start-2 max-md:justify-self-end' };

interface QueueListProps {
  items: QueueListItem[];
  canEdit: boolean;
  busyItem: string | null;
  onAction: (item: QueueListItem, action: ItemAction) => void;
  /** The list's id, so an action can hand the focus back to it. */
  id: string;
  /** Opens an item's history from the audit log. */
  onHistory: (item: QueueListItem) => void;
  /** The signed-in user: their own paused items say "Paused by you". */
  me: string | undefined;
}

/** The queue items as a table on wide screens and as cards on phones, with the same actions and an item dialog. */
export function QueueList({ items, canEdit, busyItem, onAction, id, onHistory, me }: QueueListProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const layout = cn('grid gap-x-3 gap-y-1 px-3 grid-cols-[minmax(0,1fr)_auto] md:items-center', canEdit ? WIDE_COLUMNS.edit : WIDE_COLUMNS.read);

  const actionButton = (item: QueueListItem, name: string, testId = true) => {
    const action = actionFor(item.status);
    if (!canEdit || !action) return null;
    return (
      <Button
        size="sm"
        variant="outline"
        data-testid={testId ? `${action}-item` : undefined}
        disabled={busyItem === item.id}
        aria-label={t(`queue.actions.${action}Item`, { name })}
        onClick={() => onAction(item, action)}
      >
        <ActionIcon action={action} />
        {t(`queue.actions.${action}`)}
      </Button>
    );
  };

  return (
    <div
      id={id}
      tabIndex={-1}
      className="max-h-[32rem] overflow-y-auto overflow-x-hidden rounded-md border border-border focus-visible:outline-2 focus-visible:outline-ring"
    >
      <div role="table" aria-label={t('queue.list.title')} aria-rowcount={items.length + 1} data-testid="queue-list" className="text-sm">
        <div role="rowgroup" className="sticky top-0 z-10 bg-muted max-md:sr-only">
          <div role="row" aria-rowindex={1} className={cn(layout, 'h-10 font-medium text-muted-foreground md:items-center')}>
            <div role="columnheader">{t('queue.list.lead')}</div>
            <div role="columnheader">{t('queue.list.status')}</div>
            <div role="columnheader">{format.withZone(t('queue.whyWhen'))}</div>
            <div role="columnheader">{t('queue.list.priority')}</div>
            <div role="columnheader">{format.withZone(t('queue.list.scheduled'))}</div>
            <div role="columnheader" className="hidden lg:block">
              {t('queue.list.attempts')}
            </div>
            {canEdit && <div role="columnheader">{t('queue.list.actions')}</div>}
          </div>
        </div>
        <div role="rowgroup">
          {items.map((item, index) => {
            const name = item.leadName ?? t('queue.list.unknownLead');
            const failure = item.error_code ? describeAgentFailure(item.error_code, t) : item.last_error ? t('agentErrors.unspecified') : null;
            const action = actionButton(item, name);
            return (
              <div
                key={item.id}
                role="row"
                aria-rowindex={index + 2}
                data-testid="queue-item"
                data-item-id={item.id}
                data-status={item.status}
                className={cn(layout, 'border-b border-border py-2 last:border-0')}
              >
                <div role="cell" className="min-w-0 max-md:col-start-1 max-md:row-start-1">
                  <QueueItemDialog item={item} name={name} action={actionButton(item, name, false)} />
                  <div className="flex flex-wrap items-center gap-x-2 text-xs text-muted-foreground">
                    {item.leadPhone && <span dir="ltr">{formatPhone(item.leadPhone)}</span>}
                    <Button
                      variant="link"
                      size="sm"
                      className="h-6 px-0 text-xs"
                      data-testid="item-history"
                      aria-label={t('history.open', { name })}
                      onClick={() => onHistory(item)}
                    >
                      <History aria-hidden="true" />
                      {t('history.button')}
                    </Button>
                  </div>
                  {failure && (
                    <Alert variant="destructive" className="mt-2 px-2 py-1 text-xs">
                      <AlertTriangle aria-hidden="true" />
                      <AlertDescription>
                        <span className="sr-only">{t('queue.list.error')}: </span>
                        {failure}
                      </AlertDescription>
                    </Alert>
                  )}
                </div>
                <div role="cell" className={CELL.status}>
                  <StatusBadge status={item.status} />
                </div>
                <div role="cell" className="min-w-0 max-md:col-span-2 max-md:row-start-3 max-md:text-xs" data-testid="why-when">
                  {item.outlook ? <WaitingReason outlook={item.outlook} own={item.user_id === me} timeZone={format.ctx.zone} /> : <span className="text-muted-foreground">{t('common.none')}</span>}
                </div>
                <div role="cell" className={CELL.priority}>
                  <PriorityBadge priority={item.priority} />
                </div>
                <div role="cell" className="text-muted-foreground max-md:col-start-1 max-md:row-start-2 max-md:text-xs">
                  <span className="md:hidden" aria-hidden="true">
                    {t('queue.list.scheduled')}:{' '}
                  </span>
                  {format.dateTime(item.scheduled_for) ?? t('common.none')}
                </div>
                <div role="cell" className="hidden tabular-nums lg:block">
                  {t('queue.list.attemptsValue', { attempts: item.attempts, max: item.max_attempts })}
                </div>
                {canEdit && (
                  <div role="cell" className={cn('max-md:col-span-2 max-md:row-start-4', !action && 'max-md:hidden')}>
                    {action}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
