import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import type { CapacityToday } from '@/types/queue';

/** Sent today in the admin's zone against the daily capacity ("137 of 200 sent today"). */
export function CapacityMeter({ capacity }: { capacity: CapacityToday }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (capacity.capacity <= 0) return null;
  const label = t('queue.capacity', { sent: format.number(capacity.sent_today), capacity: format.number(capacity.capacity) });
  return (
    <div className="flex min-w-40 flex-col gap-1 text-sm" data-testid="capacity-meter">
      <span>{label}</span>
      <meter className="h-2 w-full" min={0} max={capacity.capacity} value={Math.min(capacity.sent_today, capacity.capacity)} aria-label={label} />
    </div>
  );
}
