import type { TFunction } from 'i18next';

/**
 * A count as shown: exact, "N+" where a walked search stopped counting, and "—" (unknown) where it stopped before
 * any match: "0+" would read as none for a term that may well match older items.
 */
export function countText(count: { items: number; capped: boolean }, number: (n: number) => string, t: TFunction): string {
  if (!count.capped) return number(count.items);
  return count.items === 0 ? t('queue.list.countUnknown') : t('queue.list.countCapped', { count: number(count.items) });
}
