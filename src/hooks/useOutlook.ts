import { useEffect, useMemo, useState } from 'react';
import type { CalendarDay } from '@/lib/businessWindows';
import { nowDate } from '@/lib/clock';
import type { Window } from '@/lib/eta';
import { loadRules } from '@/lib/loadRules';
import type { ProcessorDefaults, QueueSettings } from '@/types/queue';
import { useProcessorDefaults } from './useProcessorDefaults';
import { useQueueScope } from './useQueueScope';
import { useQueueStatus } from './useQueueStatus';

export interface Outlook {
  ready: boolean;
  /** Null when no window lies ahead; undefined while loading or when settings are invalid. */
  next: Window | null | undefined;
  openNow: boolean;
  /** When the waiting items will have gone out; null when that cannot happen (no window ahead). */
  drainAt: Date | null | undefined;
}

export interface OutlookEntry {
  settings: QueueSettings;
  depth: number;
}

const PENDING: Outlook = { ready: false, next: undefined, openNow: false, drainAt: undefined };

/**
 * The next business window and the drain time, from the shared business rules, over one admin or several:
 * the earliest window any of them opens, and the time the last of their queues drains.
 */
export function useOutlook(entries: readonly OutlookEntry[] | null, defaults: ProcessorDefaults | null = null): Outlook {
  const [outlook, setOutlook] = useState<Outlook>(PENDING);

  useEffect(() => {
    if (!entries) return;
    let active = true;
    void loadRules().then((module) => {
      if (!active) return;
      const now = nowDate();
      try {
        // The drain time needs the environment's pacing (an admin's empty delay or rate means the server's).
        const each = entries.map(({ settings, depth }) => ({
          next: module.nextWindow(now, settings),
          drain: defaults ? module.drainEta(depth, now, settings, defaults) : undefined,
          depth,
        }));
        const windows = each.map((one) => one.next).filter((window): window is Window => window !== null);
        const next = windows.reduce<Window | null>((first, window) => (!first || window.start < first.start ? window : first), null);
        const drains = each.filter((one) => one.depth > 0).map((one) => one.drain);
        const drainAt =
          drains.length === 0 ? now
          : drains.includes(undefined) ? undefined
          : drains.includes(null) ? null
          : new Date(Math.max(...drains.map((drain) => drain?.getTime() ?? 0)));
        setOutlook({ ready: true, next, openNow: next !== null && next.start.getTime() <= now.getTime(), drainAt });
      } catch {
        setOutlook({ ready: true, next: undefined, openNow: false, drainAt: undefined });
      }
    });
    return () => {
      active = false;
    };
  }, [entries, defaults]);

  return outlook;
}

/** The outlook of what is on screen: the shown admin's, or every admin's for the client's total. */
export function useScopeOutlook(): Outlook {
  const { admins, adminId, settings } = useQueueScope();
  const { queueStatus, admins: status } = useQueueStatus();
  const depth = queueStatus?.depth ?? 0;
  const entries = useMemo<OutlookEntry[] | null>(() => {
    if (adminId !== null) return settings ? [{ settings, depth }] : null;
    if (admins.length === 0) return null;
    return admins.map((admin) => ({ settings: admin.settings, depth: status.find((row) => row.user_id === admin.userId)?.depth ?? 0 }));
  }, [adminId, settings, depth, admins, status]);
  return useOutlook(entries, useProcessorDefaults());
}

/** The Israeli holidays and eves of the next twelve months, judged by the same rules as the queue (null while loading). */
export function useUpcomingHolidays(settings: QueueSettings | null): CalendarDay[] | null {
  const [days, setDays] = useState<CalendarDay[] | null>(null);
  useEffect(() => {
    if (!settings) return;
    let active = true;
    void loadRules().then((module) => {
      if (!active) return;
      try {
        setDays(module.upcomingHolidays(nowDate(), settings));
      } catch {
        setDays([]);
      }
    });
    return () => {
      active = false;
    };
  }, [settings]);
  return days;
}
