import type { TFunction } from 'i18next';

/** "12 skipped: contacted in the last 30 days", naming the admin's cool-down when it is known. */
export function skippedRecentText(t: TFunction, count: number, days: number | null | undefined): string {
  if (!days || days < 1) return t('leads.skippedRecent', { count });
  return days === 1 ? t('leads.skippedRecentDay', { count }) : t('leads.skippedRecentDays', { count, days });
}
