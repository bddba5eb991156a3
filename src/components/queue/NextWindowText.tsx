import { useTranslation } from 'react-i18next';
import type { WindowPreview } from '@/hooks/useBusinessWindow';
import { formatDateTime } from '@/lib/format';

/** The next business window in words: open now until…, opens… closes…, none ahead, or no preview. */
export function NextWindowText({ preview, timeZone }: { preview: WindowPreview; timeZone: string | undefined }) {
  const { t, i18n } = useTranslation();
  if (!preview.ready) return t('app.loading');
  if (preview.next === null) return t('settings.previewNone');
  if (preview.next === undefined) return t('settings.previewUnavailable');
  // A window runs through the minute its end names (the spec's 09:00-17:00 takes 17:00): show that minute.
  const end = formatDateTime(new Date(preview.next.end.getTime() - 60_000), i18n.language, timeZone);
  if (preview.openNow) return t('settings.previewOpenNow', { end });
  return t('settings.previewValue', { start: formatDateTime(preview.next.start, i18n.language, timeZone), end });
}
