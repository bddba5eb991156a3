import { useTranslation } from 'react-i18next';
import { formatErrorCode, formatWhen } from '@/lib/format';
import type { QueueOutlook } from '@/types/queue';

/** Why a waiting item waits and when that ends, in one sentence ("Daily capacity reached — Sun 09:00"). */
export function WaitingReason({ outlook, own, timeZone }: { outlook: QueueOutlook; own: boolean; timeZone?: string | undefined }) {
  const { t, i18n } = useTranslation();
  const until = formatWhen(outlook.waiting_until, i18n.language, timeZone) ?? '—';
  const expected = formatWhen(outlook.expected_send_at, i18n.language, timeZone) ?? '—';
  const reason = outlook.waiting_for;
  let text: string;
  if (reason === 'admin_paused') text = t(own ? 'queue.waiting.admin_paused' : 'queue.waiting.admin_paused_other');
  else if (reason === 'backoff') {
    text = t('queue.waiting.backoff', { error: formatErrorCode(outlook.error_code), when: until, attempt: outlook.attempt, max: outlook.max_attempts });
  } else if (reason === 'holiday') text = t('queue.waiting.holiday', { name: outlook.holiday_name ?? '', when: until });
  else if (reason === 'send_budget' || reason === 'due_now') text = t(`queue.waiting.${reason}`, { when: expected });
  else text = t(`queue.waiting.${reason}`, { when: until });
  return (
    <span data-testid="waiting-reason" data-reason={reason}>
      {text}
    </span>
  );
}
