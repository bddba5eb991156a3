import type { TFunction } from 'i18next';

const locales = { en: 'en-GB', he: 'he-IL' } as const;

export function localeOf(lang: string): string {
  return lang === 'he' ? locales.he : locales.en;
}

/** Where and when times are shown: the UI's language, the admin's time zone, and "now" (for the year). */
export interface FormatContext {
  lang: string;
  zone: string;
  now: Date;
}

function toDate(value: string | Date | null | undefined): Date | null {
  if (!value) return null;
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? null : date;
}

function yearIn(date: Date, zone: string): number {
  return Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: zone }).format(date));
}

/** "Thu 3 Dec, 09:00" in the admin's zone and the UI's language; the year only when it is not this year. */
export function formatDateTime(value: string | Date | null | undefined, ctx: FormatContext): string | null {
  const date = toDate(value);
  if (!date) return null;
  const year = yearIn(date, ctx.zone) === yearIn(ctx.now, ctx.zone) ? undefined : 'numeric';
  return new Intl.DateTimeFormat(localeOf(ctx.lang), {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: ctx.zone,
  }).format(date);
}

/** A calendar day (`YYYY-MM-DD`, no zone of its own): "Thu 3 December", with the year when not this year. */
export function formatDay(day: string, ctx: FormatContext, month: 'long' | 'short' = 'long'): string {
  const date = new Date(`${day}T12:00:00Z`);
  const year = Number(day.slice(0, 4)) === yearIn(ctx.now, ctx.zone) ? undefined : 'numeric';
  return new Intl.DateTimeFormat(localeOf(ctx.lang), { weekday: 'short', day: 'numeric', month, year, timeZone: 'UTC' }).format(date);
}

/** "09:00" in the admin's zone. */
export function formatTime(value: string | Date, ctx: FormatContext): string {
  const date = toDate(value);
  if (!date) return '';
  return new Intl.DateTimeFormat(localeOf(ctx.lang), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ctx.zone }).format(date);
}

/** The zone's everyday name in the UI's language ("Israel Time", "שעון ישראל"). */
export function zoneName(zone: string, lang: string, at: Date): string {
  const part = new Intl.DateTimeFormat(localeOf(lang), { timeZone: zone, timeZoneName: 'shortGeneric' })
    .formatToParts(at)
    .find((piece) => piece.type === 'timeZoneName');
  return part?.value ?? zone;
}

function offsetAt(zone: string | undefined, at: Date): string {
  return (
    new Intl.DateTimeFormat('en', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((piece) => piece.type === 'timeZoneName')
      ?.value ?? ''
  );
}

/** True when the browser's clock reads differently from the admin's zone around `at`, so times need the zone's name. */
export function zoneDiffersFromBrowser(zone: string, at: Date, browserZone?: string): boolean {
  const halfYear = 182 * 86_400_000;
  // Compared over a year: zones that agree today but not after a DST change still get the label.
  return [at, new Date(at.getTime() + halfYear)].some((moment) => offsetAt(zone, moment) !== offsetAt(browserZone, moment));
}

export function formatNumber(value: number, lang: string): string {
  return new Intl.NumberFormat(localeOf(lang)).format(value);
}

export function formatPercent(value: number | null, lang: string): string | null {
  if (value === null || Number.isNaN(value)) return null;
  // The SQL API reports success rates as 0-100.
  return new Intl.NumberFormat(localeOf(lang), { style: 'percent', maximumFractionDigits: 1 }).format(value / 100);
}

/** An Israeli number in the national format people dial ("052-100-7919"); other numbers stay international. */
export function formatPhone(e164: string): string {
  const israeli = /^\+972(\d{8,9})$/.exec(e164);
  if (!israeli?.[1]) return e164;
  const national = `0${israeli[1]}`;
  // Mobiles and 07x lines: 3-3-4; landlines (02, 03, 04, 08, 09): 2-3-4.
  return national.length === 10
    ? `${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`
    : `${national.slice(0, 2)}-${national.slice(2, 5)}-${national.slice(5)}`;
}

/** "2 hours 5 minutes" style, the two largest units only. */
export function formatDuration(ms: number, t: TFunction): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts: string[] = [];
  if (days) parts.push(t('time.days', { count: days }));
  if (hours) parts.push(t('time.hours', { count: hours }));
  if (minutes && parts.length < 2) parts.push(t('time.minutes', { count: minutes }));
  if (parts.length === 0) parts.push(t('time.seconds', { count: seconds }));
  return parts.slice(0, 2).join(' ');
}

/** "Sun 09:00" in the given zone: a weekday and a clock time, how the queue says when something happens. */
export function formatWhen(value: string | null | undefined, lang: string, timeZone?: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(localeOf(lang), { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(date);
}

/** "HTTP 503" for an Agent DB status, the code itself otherwise (timeout, connection_error). */
export function formatErrorCode(code: string | null): string {
  const status = code?.match(/^http_(\d{3})$/)?.[1];
  return status ? `HTTP ${status}` : (code ?? '?');
}
