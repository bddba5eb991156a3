import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeAgentFailure } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { formatPhone } from '@/lib/format';
import type { QueueListItem } from '@/types/queue';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { PriorityBadge, StatusBadge } from './badges';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[minmax(0,9rem)_minmax(0,1fr)] gap-2 py-1.5">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

/** An item's details: the lead's full name and number, where it stands, and why it failed (in words, with the code for support). */
export function QueueItemDialog({ item, name, action }: { item: QueueListItem; name: string; action: ReactNode }) {
  const { t } = useTranslation();
  const format = useFormat();
  const none = t('common.none');
  return (
    <Dialog>
      <DialogTrigger
        dir="auto"
        className="block max-w-full truncate rounded-sm font-medium underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        title={name}
        aria-label={t('queue.list.details', { name })}
        data-testid="item-details"
      >
        {name}
      </DialogTrigger>
      <DialogContent closeLabel={t('common.close')} data-testid="item-dialog">
        <DialogTitle className="break-words">
          <bdi>{name}</bdi>
        </DialogTitle>
        <DialogDescription>{t('queue.list.detailsTitle')}</DialogDescription>
        <dl className="divide-y divide-border text-sm">
          <Row label={t('leads.phone')}>
            <span dir="ltr">{item.leadPhone ? formatPhone(item.leadPhone) : none}</span>
          </Row>
          <Row label={t('queue.list.status')}>
            <StatusBadge status={item.status} />
          </Row>
          <Row label={t('queue.list.priority')}>
            <PriorityBadge priority={item.priority} />
          </Row>
          <Row label={format.withZone(t('queue.list.scheduled'))}>{format.dateTime(item.scheduled_for) ?? none}</Row>
          <Row label={t('queue.list.attempts')}>
            <span className="tabular-nums">{t('queue.list.attemptsValue', { attempts: item.attempts, max: item.max_attempts })}</span>
          </Row>
          <Row label={format.withZone(t('queue.list.processed'))}>{format.dateTime(item.processed_at) ?? none}</Row>
          <Row label={format.withZone(t('queue.list.created'))}>{format.dateTime(item.created_at) ?? none}</Row>
          {item.error_code && (
            <Row label={t('queue.list.error')}>
              <span className="text-destructive">{describeAgentFailure(item.error_code, t)}</span>
              <span className="block text-xs text-muted-foreground">
                {t('queue.list.supportCode')}: <code dir="ltr">{item.error_code}</code>
              </span>
            </Row>
          )}
        </dl>
        <DialogFooter>{action}</DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
