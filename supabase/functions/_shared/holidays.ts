import { HebrewCalendar, flags } from '@hebcal/core';

/** A day the Israeli calendar closes business (yom tov or Yom HaAtzma'ut). */
export interface ClosedDay {
  /** Local calendar date, `YYYY-MM-DD`. */
  date: string;
  name: string;
  kind: 'chag' | 'modern';
}

export interface IsraeliYear {
  closed: Map<string, ClosedDay>;
  /** Eves of a yom tov that are not themselves closed: the short-day candidates. */
  erevChag: Map<string, string>;
}

const cache = new Map<number, IsraeliYear>();

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** hebcal's greg() is local midnight, so format with local getters (never toISOString). */
function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The day before `date` (`YYYY-MM-DD`), computed on the calendar, not on instants. */
function previousDate(date: string): string {
  const utc = new Date(`${date}T00:00:00Z`);
  utc.setUTCDate(utc.getUTCDate() - 1);
  return utc.toISOString().slice(0, 10);
}

export function nextDate(date: string): string {
  const utc = new Date(`${date}T00:00:00Z`);
  utc.setUTCDate(utc.getUTCDate() + 1);
  return utc.toISOString().slice(0, 10);
}

function computeYear(year: number): IsraeliYear {
  const closed = new Map<string, ClosedDay>();
  for (const event of HebrewCalendar.calendar({ year, isHebrewYear: false, il: true })) {
    const mask = event.getFlags();
    const desc = event.getDesc();
    const isChag = (mask & flags.CHAG) !== 0;
    const isIndependenceDay = desc === "Yom HaAtzma'ut";
    if (!isChag && !isIndependenceDay) continue;
    const date = localDate(event.getDate().greg());
    if (!closed.has(date)) closed.set(date, { date, name: desc, kind: isChag ? 'chag' : 'modern' });
  }
  const erevChag = new Map<string, string>();
  for (const day of closed.values()) {
    if (day.kind !== 'chag') continue;
    const eve = previousDate(day.date);
    if (!closed.has(eve)) erevChag.set(eve, `Erev ${day.name}`);
  }
  return { closed, erevChag };
}

/** Closed days and erev-chag days of one Gregorian year in Israel (memoised; hebcal is pure). */
export function israeliYear(year: number): IsraeliYear {
  let entry = cache.get(year);
  if (!entry) {
    entry = computeYear(year);
    cache.set(year, entry);
  }
  return entry;
}

export function israeliHoliday(date: string): ClosedDay | undefined {
  return israeliYear(Number(date.slice(0, 4))).closed.get(date);
}

/** Name of the yom tov that starts the evening of `date`, when `date` is an erev chag. */
export function israeliErevChag(date: string): string | undefined {
  const year = Number(date.slice(0, 4));
  return israeliYear(year).erevChag.get(date) ?? israeliYear(year + 1).erevChag.get(date);
}
