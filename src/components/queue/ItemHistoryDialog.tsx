import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useFormat } from '@/hooks/useFormat';
import { useItemHistory } from '@/hooks/useQueueOutlook';
import { formatErrorCode } from '@/lib/format';
import type { HistoryEntry, QueueListItem } from '@/types/queue';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { LoadErrorAlert } from './LoadErrorAlert';

const KNOWN = [
  'enqueued', 'claimed', 'started', 'sent', 'retry_scheduled', 'failed', 'delivery_failed', 'cancelled', 'retried', 'released', 'lease_reclaimed',
  'taken_over', 'edited',
] as const;
type Known = (typeof KNOWN)[number];
const isKnown = (action: string): action is Known => KNOWN.some((known) => known === action);

const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/** One audit row as a sentence: what happened, by whom, with the error code and attempt where there is one. */
function describe(entry: HistoryEntry, t: TFunction, dateTime: (value: string) => string | null, me: string | undefined): string {
  const who = entry.actor_id === null ? t('history.who.processor') : entry.actor_id === me ? t('history.who.you') : t('history.who.member');
  const details = entry.details;
  const values = {
    who,
    attempt: text(details.attempts),
    error: details.error_code ? formatErrorCode(text(details.error_code)) : text(details.error),
    when: dateTime(text(details.next_attempt_at) || text(details.scheduled_for)) ?? '',
  };
  if (!isKnown(entry.action)) return entry.action;
  const sentence = t(`history.actions.${entry.action}`, values);
  return details.redelivery === true ? `${sentence} ${t('history.redelivery')}` : sentence;
}

/** An item's timeline from the audit log, in the admin's zone: queued, each claim and send, failures, retries, cancellation. */
export function ItemHistoryDialog({
  item,
  me,
  onClose,
}: {
  item: QueueListItem | null;
  me: string | undefined;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const history = useItemHistory(item?.id ?? null);
  const name = item?.leadName ?? t('queue.list.unknownLead');
  return (
    <Dialog open={item !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent data-testid="history-dialog" closeLabel={t('common.close')}>
        <DialogHeader>
          <DialogTitle>{t('history.title', { name })}</DialogTitle>
          <DialogDescription>{item?.agent_conversation_id ? t('history.conversation', { id: item.agent_conversation_id }) : t('history.description')}</DialogDescription>
        </DialogHeader>
        {history.error && <LoadErrorAlert error={history.error} />}
        {history.loading ? (
          <p role="status">{t('app.loading')}</p>
        ) : (
          <ol className="flex max-h-[60vh] flex-col gap-3 overflow-auto border-s border-border ps-4" data-testid="history-timeline">
            {(history.data ?? []).map((entry) => (
              <li key={entry.id} data-action={entry.action} className="flex flex-col">
                <time className="text-xs text-muted-foreground" dateTime={entry.created_at}>
                  {format.dateTime(entry.created_at)}
                </time>
                <span>{describe(entry, t, format.dateTime, me)}</span>
              </li>
            ))}
          </ol>
        )}
      </DialogContent>
    </Dialog>
  );
}
