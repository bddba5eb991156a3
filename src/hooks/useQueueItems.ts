import { useCallback, useEffect, useMemo, useState } from 'react';
import { cancelQueueItems, getQueueStatusCounts, listQueuePage, retryQueueItems } from '@/services/queue/queueService';
import type { QueueListQuery, QueuePageCursor } from '@/types/queue';
import { useLoader } from './useLoader';
import { ITEM_CHANGES, useQueueChanges } from './useQueueChanges';

const SEARCH_SETTLE_MS = 300;

/** `value` once it has stopped changing for `ms` (a search is sent when the typing pauses, not per key). */
export function useSettledValue<T>(value: T, ms = SEARCH_SETTLE_MS): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * The queue list a page at a time (keyset: each page starts after the previous page's last item, so rows that change
 * meanwhile never make a page skip or repeat one), with the status tabs' counts. A live change reloads the shown page
 * and the counts only; a new tab or search starts again at the first page.
 */
export function useQueueItems(clientId: string, { status, search }: QueueListQuery) {
  const key = `${clientId}\n${status}\n${search}`;
  const [pages, setPages] = useState<{ key: string; starts: (QueuePageCursor | null)[] }>({ key, starts: [null] });
  // Another tab or search starts over at the first page, and coming back to one does too.
  if (pages.key !== key) setPages({ key, starts: [null] });
  const starts = useMemo(() => (pages.key === key ? pages.starts : [null]), [pages, key]);
  const after = starts.at(-1) ?? null;

  // The answer carries the start it was asked for: until the asked page arrives, the shown one offers no next page.
  const loadPage = useCallback(
    async () => ({ key, start: after, ...(await listQueuePage(clientId, { status, search }, after)) }),
    [key, clientId, status, search, after],
  );
  const page = useLoader(loadPage);
  const loadCounts = useCallback(() => getQueueStatusCounts(clientId, search), [clientId, search]);
  const counts = useLoader(loadCounts);
  const { reload: reloadPage } = page;
  const { reload: reloadCounts } = counts;
  const reload = useCallback(async () => {
    await Promise.all([reloadPage(), reloadCounts()]);
  }, [reloadPage, reloadCounts]);
  const { live } = useQueueChanges(reload, { kinds: ITEM_CHANGES });

  const current = page.data?.key === key && page.data.start === after;
  const next = current ? (page.data?.next ?? null) : null;
  const nextPage = useCallback(() => {
    if (next) setPages({ key, starts: [...starts, next] });
  }, [key, starts, next]);
  const previousPage = useCallback(() => setPages({ key, starts: starts.slice(0, -1) }), [key, starts]);

  const cancel = useCallback(async (ids: string[]) => {
    const count = await cancelQueueItems(ids);
    await reload();
    return count;
  }, [reload]);

  const retry = useCallback(async (ids: string[]) => {
    const count = await retryQueueItems(ids);
    await reload();
    return count;
  }, [reload]);

  return {
    items: page.data?.items ?? [],
    counts: counts.data,
    error: page.error ?? counts.error,
    loading: page.loading || !current,
    live,
    reload,
    cancel,
    retry,
    /** 0-based number of the shown page. */
    pageIndex: starts.length - 1,
    hasNext: next !== null,
    nextPage,
    previousPage,
  };
}
