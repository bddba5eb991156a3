// Loaded on demand: the shared rules pull in the Hebrew calendar, which the first paint never needs.
import { checkWindow, localDateOf, nextBusinessWindow, planDay, withDefaults } from '@shared/businessRules.ts';
import { israeliYear, nextDate } from '@shared/holidays.ts';
import type { ProcessorDefaults, QueueSettings } from '@/types/queue';
import { effectivePacing, estimateDrain, type Window } from './eta';

export function nextWindow(from: Date, settings: QueueSettings): Window | null {
  return nextBusinessWindow(from, withDefaults(settings));
}

export function drainEta(depth: number, now: Date, settings: QueueSettings, defaults: ProcessorDefaults): Date | null {
  const rules = withDefaults(settings);
  const pacing = { ...effectivePacing(settings, defaults), max_capacity: settings.max_capacity };
  return estimateDrain(depth, now, pacing, (from) => nextBusinessWindow(from, rules));
}

export interface WindowRefusal {
  code: 'business_closed' | 'outside_business_hours' | 'holiday';
  reason: string;
  next: Window | null;
}

/** The shared rules' verdict on sending at `at`: null when the window is open, else why not and the next window. */
export function windowRefusal(at: Date, settings: QueueSettings): WindowRefusal | null {
  const rules = withDefaults(settings);
  const verdict = checkWindow(at, rules);
  // An unknown zone is the server's to refuse, with its own sentence.
  if (verdict.allowed || verdict.code === 'invalid_timezone' || verdict.code === 'capacity_exceeded' || !verdict.code) return null;
  return { code: verdict.code, reason: verdict.reason ?? '', next: nextBusinessWindow(at, rules) };
}

/** A holiday or holiday eve ahead, and what the rules make of that day: closed, or open with these hours. */
export interface CalendarDay {
  date: string;
  /** hebcal's English name of the holiday (for an eve: of the holiday that follows). */
  holiday: string;
  kind: 'holiday' | 'eve';
  /** The hours the rules open that day; null when closed. */
  hours: { start: string; end: string } | null;
}

/**
 * The Israeli holidays and their eves from today (in the admin's zone) through the next twelve months, each
 * judged by the same planDay() that queue-leads and the processor use: a list and the rules cannot disagree.
 */
export function upcomingHolidays(now: Date, settings: QueueSettings, months = 12): CalendarDay[] {
  if (settings.holiday_calendar !== 'IL') return [];
  const rules = withDefaults(settings);
  const today = localDateOf(now, settings.timezone);
  const until = new Date(`${today}T12:00:00Z`);
  until.setUTCMonth(until.getUTCMonth() + months);
  const last = until.toISOString().slice(0, 10);
  const startYear = Number(today.slice(0, 4));
  const days: CalendarDay[] = [];
  for (let year = startYear; year <= Number(last.slice(0, 4)); year += 1) {
    const calendar = israeliYear(year);
    for (const day of calendar.closed.values()) days.push({ date: day.date, holiday: day.name, kind: 'holiday', hours: null });
    for (const eve of calendar.erevChag.keys()) {
      const holiday = israeliYear(Number(nextDate(eve).slice(0, 4))).closed.get(nextDate(eve));
      if (holiday) days.push({ date: eve, holiday: holiday.name, kind: 'eve', hours: null });
    }
  }
  return days
    .filter((day) => day.date >= today && day.date < last)
    .sort((a, b) => a.date.localeCompare(b.date))
    .map((day) => {
      const plan = planDay(day.date, rules);
      return plan.open ? { ...day, hours: plan.hours } : day;
    });
}
