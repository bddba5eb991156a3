import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ChevronLeft, ChevronRight, Search, X } from 'lucide-react';
import { useFormat } from '@/hooks/useFormat';
import { useSettledValue } from '@/hooks/useQueueItems';
import { countText } from '@/lib/countText';
import { STATUS_TABS, tabCount } from '@/lib/statusTabs';
import type { QueueStatusCounts } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { TabsList, TabsTrigger } from '@/components/ui/tabs';

/** The status tabs with their counts; inside a `Tabs` root that holds the list as its content. */
export function QueueStatusTabs({ counts }: { counts: QueueStatusCounts | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <TabsList aria-label={t('queue.list.tabs')} data-testid="status-tabs" className="justify-start max-md:w-full">
      {STATUS_TABS.map((tab) => {
        const count = counts ? tabCount(counts, tab) : null;
        return (
          <TabsTrigger key={tab} value={tab} data-testid={`status-tab-${tab}`} className="px-2.5">
            {tab === 'all' ? t('queue.list.tabAll') : t(`queue.status.${tab}`)}
            <span className="rounded bg-background/60 px-1.5 text-xs tabular-nums text-muted-foreground" data-testid="tab-count"
              title={count?.capped && count.items === 0 ? t('queue.list.countUnknownHint') : undefined}>
              {count === null ? '…' : countText(count, format.number, t)}
            </span>
          </TabsTrigger>
        );
      })}
    </TabsList>
  );
}

/** Shorter terms match nearly every lead and no trigram narrows them: the server refuses them (search_too_short). */
export const MIN_SEARCH_CHARS = 3;

/**
 * The search box: lead name (any script, any part of it) or phone as it is dialled. Holds what is typed itself and
 * reports the trimmed text once the typing pauses, so keystrokes re-render the box, not the list; a term under
 * MIN_SEARCH_CHARS characters is not sent, and the box says why.
 */
export function QueueSearch({ onSearch }: { onSearch: (search: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const hintId = useId();
  const [value, onChange] = useState('');
  const settled = useSettledValue(value.trim());
  const tooShort = settled !== '' && [...settled].length < MIN_SEARCH_CHARS;
  useEffect(() => onSearch(tooShort ? '' : settled), [settled, tooShort, onSearch]);
  return (
    <div role="search" className="flex min-w-0 flex-col gap-1 md:w-80">
      <Label htmlFor={id}>{t('queue.list.search')}</Label>
      <div className="relative">
        <Search aria-hidden="true" className="pointer-events-none absolute start-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
        <Input
          id={id}
          type="search"
          data-testid="queue-search"
          className="ps-8 pe-9 [&::-webkit-search-cancel-button]:hidden"
          placeholder={t('queue.list.searchPlaceholder')}
          maxLength={100}
          autoComplete="off"
          value={value}
          aria-describedby={tooShort ? hintId : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
        {value && (
          <Button variant="ghost" size="icon" className="absolute end-0.5 top-1/2 size-8 -translate-y-1/2" aria-label={t('queue.list.clearSearch')} onClick={() => onChange('')}>
            <X aria-hidden="true" />
          </Button>
        )}
      </div>
      {tooShort && (
        <p id={hintId} role="status" className="text-xs text-muted-foreground" data-testid="search-too-short">
          {t('queue.list.searchTooShort', { count: MIN_SEARCH_CHARS })}
        </p>
      )}
    </div>
  );
}

interface PagerProps {
  pageIndex: number;
  pageSize: number;
  shown: number;
  total: { items: number; capped: boolean } | null;
  hasNext: boolean;
  busy: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

/** Newer / older pages of the list and which items are shown. */
export function QueuePager({ pageIndex, pageSize, shown, total, hasNext, busy, onPrevious, onNext }: PagerProps) {
  const { t } = useTranslation();
  const format = useFormat();
  if (pageIndex === 0 && !hasNext) return null;
  const from = pageIndex * pageSize + 1;
  const totalText = total === null ? '…' : countText({ items: Math.max(total.items, from + shown - 1), capped: total.capped }, format.number, t);
  return (
    <nav aria-label={t('queue.list.pages')} className="flex flex-wrap items-center justify-between gap-2" data-testid="queue-pager">
      <Button variant="outline" size="sm" data-testid="page-newer" disabled={pageIndex === 0 || busy} onClick={onPrevious}>
        <ChevronLeft aria-hidden="true" className="rtl:rotate-180" />
        {t('queue.list.previous')}
      </Button>
      <span className="text-sm text-muted-foreground tabular-nums" aria-live="polite" data-testid="page-range">
        {shown > 0 && t('queue.list.range', { from: format.number(from), to: format.number(from + shown - 1), total: totalText })}
      </span>
      <Button variant="outline" size="sm" data-testid="page-older" disabled={!hasNext || busy} onClick={onNext}>
        {t('queue.list.next')}
        <ChevronRight aria-hidden="true" className="rtl:rotate-180" />
      </Button>
    </nav>
  );
}
