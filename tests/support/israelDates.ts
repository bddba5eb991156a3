import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';
import { DEFAULT_SETTINGS, localDateOf, planDay } from '../../supabase/functions/_shared/businessRules.ts';
import { israeliHoliday, nextDate } from '../../supabase/functions/_shared/holidays.ts';

const TZ = 'Asia/Jerusalem';

/** The first local date after today (Israel) for which `accept` holds, searched up to ~11 months ahead. */
export function futureDate(accept: (date: string) => boolean, from = new Date()): string {
  let date = nextDate(nextDate(localDateOf(from, TZ)));
  for (let day = 0; day < 330; day += 1) {
    if (accept(date)) return date;
    date = nextDate(date);
  }
  throw new Error('no matching date within 330 days');
}

export function israelTime(date: string, time: string): Date {
  return fromZonedTime(`${date}T${time}:00`, TZ);
}

export const isOpenDay = (date: string) => planDay(date, DEFAULT_SETTINGS).open;
export const isSaturday = (date: string) => planDay(date, DEFAULT_SETTINGS).weekday === 'saturday';
/** A yom tov on a weekday that would otherwise be open, so the refusal is for the holiday. */
export const isWeekdayHoliday = (date: string) => {
  const weekday = planDay(date, DEFAULT_SETTINGS).weekday;
  return Boolean(israeliHoliday(date)) && !['friday', 'saturday'].includes(weekday);
};

export function israelWeekdayAndTime(at: string): string {
  return formatInTimeZone(new Date(at), TZ, 'EEEE HH:mm');
}

/** 10:00 Israel time on the next open business day (from the day after tomorrow): a `scheduled_for` any hour of the test run accepts. */
export function nextOpenSlot(from = new Date()): string {
  return israelTime(futureDate(isOpenDay, from), '10:00').toISOString();
}
