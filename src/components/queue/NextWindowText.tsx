import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import type { Outlook } from '@/hooks/useOutlook';

/** The next business window in words, in the admin's zone: open now until…, opens… closes…, none ahead, or no preview. */
export function NextWindowText({ outlook }: { outlook: Outlook }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (!outlook.ready) return t('app.loading');
  if (outlook.next === null) return t('settings.previewNone');
  if (outlook.next === undefined) return t('settings.previewUnavailable');
  // A window runs through the minute its end names (the spec's 09:00-17:00 takes 17:00): show that minute.
  const end = format.dateTime(new Date(outlook.next.end.getTime() - 60_000));
  if (outlook.openNow) return t('settings.previewOpenNow', { end });
  return t('settings.previewValue', { start: format.dateTime(outlook.next.start), end });
}
