import { useCallback, useEffect, useRef } from 'react';
import { listLeadsChangedSince } from '@/services/leads/leadService';
import type { Lead } from '@/types/queue';

/** A poll re-reads this much before the newest change it saw: a change whose transaction began before that change
 * but committed after the last poll carries an earlier `updated_at`. */
const POLL_OVERLAP_MS = 30_000;

/** Past this many changed leads one read of the whole list costs less than merging them. */
const MAX_CHANGED = 500;

/** Every this many polls the whole list is read again, for leads deleted meanwhile (a delete leaves no change to read). */
const FULL_READ_EVERY = 12;

/**
 * The lead grid's poll while its live channel is down: it reads only the leads changed since the newest change it saw,
 * and the whole list when that is unknown, too much, names a lead the list does not have yet, or every
 * FULL_READ_EVERY polls. `forget` makes the next poll start from a whole read (the channel was live meanwhile).
 */
export function useLeadPoll(clientId: string, rows: Lead[] | null, reloadAll: () => Promise<void>, applyChanged: (fresh: Lead[]) => void) {
  const mark = useRef<string | null>(null);
  const polls = useRef(0);
  const polling = useRef(false);
  const known = useRef(rows);
  useEffect(() => {
    known.current = rows;
  }, [rows]);

  const readAll = useCallback(async () => {
    // The mark is read first: whatever changes while the list loads is after it, and the next poll reads it.
    const { newest } = await listLeadsChangedSince(clientId, null, 0);
    await reloadAll();
    mark.current = newest ?? new Date(0).toISOString();
  }, [clientId, reloadAll]);

  const poll = useCallback(async () => {
    // A poll slower than the interval is not overlapped: the next one is skipped.
    if (polling.current) return;
    polling.current = true;
    polls.current += 1;
    try {
      const list = known.current;
      if (mark.current === null || list === null || polls.current % FULL_READ_EVERY === 0) return await readAll();
      const since = new Date(Date.parse(mark.current) - POLL_OVERLAP_MS).toISOString();
      const delta = await listLeadsChangedSince(clientId, since, MAX_CHANGED);
      const ids = new Set(list.map((lead) => lead.id));
      if (delta.more || delta.leads.some((lead) => !ids.has(lead.id))) return await readAll();
      if (delta.leads.length > 0) applyChanged(delta.leads);
      if (delta.newest && Date.parse(delta.newest) > Date.parse(mark.current)) mark.current = delta.newest;
    } catch {
      // The next poll starts again from a whole read; the list's own loader reports a lasting failure.
      mark.current = null;
    } finally {
      polling.current = false;
    }
  }, [clientId, readAll, applyChanged]);

  const forget = useCallback(() => {
    mark.current = null;
  }, []);

  return { poll, forget };
}
