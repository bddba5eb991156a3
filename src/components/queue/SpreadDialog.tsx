import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { useErrorText } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { useSpread } from '@/hooks/useLeads';
import { useLoader } from '@/hooks/useLoader';
import type { QueuePriority, SpreadChoice } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { LoadErrorAlert } from './LoadErrorAlert';
import { skippedRecentText } from './skippedRecentText';

/** The preview of a spread ("63 today, 200 on Tue 16 January"), queued on confirmation in one server call. */
export function SpreadDialog({
  clientId,
  leadIds,
  from,
  priority,
  choice,
  cooldownDays,
  onClose,
  onDone,
}: {
  clientId: string;
  /** The batch to spread (the dialog is mounted while there is one). */
  leadIds: string[];
  /** The first moment the batch may go: the Send at it was refused for. */
  from: string;
  priority: QueuePriority;
  /** The batch's template, variables and cool-down override, kept on every day. */
  choice: SpreadChoice;
  /** The admin's cool-down, named in the count of leads it keeps out. */
  cooldownDays?: number | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const errorText = useErrorText();
  const { plan, spread } = useSpread(clientId);
  const [busy, setBusy] = useState(false);
  const count = leadIds.length;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: format.ctx.zone }).format(format.ctx.now);
  const preview = useLoader(useCallback(() => plan(leadIds, from, choice.includeRecentlyContacted), [plan, leadIds, from, choice.includeRecentlyContacted]));
  const days = preview.data?.days;
  const recent = preview.data?.skipped_recently_contacted ?? 0;
  const planned = (days ?? []).reduce((sum, day) => sum + day.queued, 0);

  const confirm = async () => {
    setBusy(true);
    try {
      const result = await spread(leadIds, priority, from, choice);
      toast.success(t('leads.spread.done', { count: result.queued, days: result.days.length }), {
        description: result.skipped_recently_contacted > 0 ? skippedRecentText(t, result.skipped_recently_contacted, cooldownDays) : undefined,
      });
      onDone();
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent data-testid="spread-dialog" closeLabel={t('common.close')}>
        <DialogHeader>
          <DialogTitle>{t('leads.spread.title', { count })}</DialogTitle>
          <DialogDescription>{t('leads.spread.description')}</DialogDescription>
        </DialogHeader>
        {preview.error && <LoadErrorAlert error={preview.error} />}
        {!days && !preview.error ? (
          <p role="status">{t('app.loading')}</p>
        ) : (
          <ul className="flex flex-col gap-1 text-sm" data-testid="spread-plan">
            {(days ?? []).map((day) => (
              <li key={day.day} data-day={day.day}>
                {day.day === today ? t('leads.spread.today', { count: day.queued }) : t('leads.spread.day', { count: day.queued, day: format.day(day.day) })}
                <span className="text-muted-foreground"> · {format.withZone(format.time(day.window_start))}</span>
              </li>
            ))}
            {recent > 0 && <li data-testid="spread-skipped-recent">{skippedRecentText(t, recent, cooldownDays)}</li>}
            {days && planned + recent < count && <li className="text-destructive">{t('leads.spread.unplanned', { count: count - planned - recent })}</li>}
          </ul>
        )}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline">{t('common.cancel')}</Button>
          </DialogClose>
          <Button data-testid="spread-confirm" disabled={busy || !days || days.length === 0} onClick={() => void confirm()}>
            {t('leads.spread.confirm', { days: days?.length ?? 0 })}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
