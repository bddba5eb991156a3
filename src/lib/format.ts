import type { TFunction } from 'i18next';

const locales = { en: 'en-GB', he: 'he-IL' } as const;

function localeOf(lang: string): string {
  return lang === 'he' ? locales.he : locales.en;
}

export function formatDateTime(value: string | Date | null | undefined, lang: string, timeZone?: string): string | null {
  if (!value) return null;
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(localeOf(lang), { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone }).format(date);
}

export function formatDate(value: string, lang: string, withYear = false): string {
  const date = new Date(`${value}T12:00:00Z`);
  return new Intl.DateTimeFormat(localeOf(lang), {
    weekday: 'short',
    day: 'numeric',
    month: 'long',
    year: withYear ? 'numeric' : undefined,
    timeZone: 'UTC',
  }).format(date);
}

export function formatHour(value: string, lang: string): string {
  return new Intl.DateTimeFormat(localeOf(lang), { hour: '2-digit', minute: '2-digit' }).format(new Date(value));
}

export function formatNumber(value: number, lang: string): string {
  return new Intl.NumberFormat(localeOf(lang)).format(value);
}

export function formatPercent(value: number | null, lang: string): string | null {
  if (value === null || Number.isNaN(value)) return null;
  // The SQL API reports success rates as 0-100.
  return new Intl.NumberFormat(localeOf(lang), { style: 'percent', maximumFractionDigits: 1 }).format(value / 100);
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
