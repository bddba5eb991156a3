import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { clock } from '@/lib/clock';
import { formatDateTime, formatDay, formatNumber, formatPercent, formatTime, zoneDiffersFromBrowser, zoneName, type FormatContext } from '@/lib/format';
import { browserZone, useOptionalQueueScope } from './useQueueScope';

export interface Formatters {
  ctx: FormatContext;
  /** The admin's zone in words ("Israel Time"). */
  zoneName: string;
  /** True when the browser's clock differs from the admin's zone: times then say which zone they are in. */
  labelled: boolean;
  dateTime: (value: string | Date | null | undefined) => string | null;
  day: (day: string) => string;
  time: (value: string | Date) => string;
  number: (value: number) => string;
  percent: (value: number | null) => string | null;
  /** `text` followed by the zone's name when the zone needs saying. */
  withZone: (text: string) => string;
}

/** Every time on screen in the admin's zone and the UI's language; the year only when it is not this year. */
export function useFormat(): Formatters {
  const { i18n, t } = useTranslation();
  const zone = useOptionalQueueScope()?.zone ?? browserZone();
  const lang = i18n.language;
  // "Now" to the minute: enough to decide the year and the zone's offset, without re-rendering every tick.
  const minute = Math.floor(clock() / 60_000);
  return useMemo(() => {
    const now = new Date(minute * 60_000);
    const ctx: FormatContext = { lang, zone, now };
    const name = zoneName(zone, lang, now);
    const labelled = zoneDiffersFromBrowser(zone, now);
    return {
      ctx,
      zoneName: name,
      labelled,
      dateTime: (value) => formatDateTime(value, ctx),
      day: (day) => formatDay(day, ctx),
      time: (value) => formatTime(value, ctx),
      number: (value) => formatNumber(value, lang),
      percent: (value) => formatPercent(value, lang),
      withZone: (text) => (labelled ? t('time.inZone', { text, zone: name }) : text),
    };
  }, [lang, zone, minute, t]);
}
