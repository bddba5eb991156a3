import { HebrewCalendar, flags } from '@hebcal/core';
import { describe, expect, it } from 'vitest';
import { israeliErevChag, israeliHoliday, israeliYear } from '../holidays.ts';

function hebcalClosedDays(year: number): string[] {
  const pad = (value: number) => String(value).padStart(2, '0');
  return HebrewCalendar.calendar({ year, isHebrewYear: false, il: true })
    .filter((event) => (event.getFlags() & flags.CHAG) !== 0 || event.getDesc() === "Yom HaAtzma'ut")
    .map((event) => {
      const day = event.getDate().greg();
      return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
    })
    .sort();
}

describe('Israeli closed days', () => {
  it('are the real 2024 dates (not the spec hard-coded ones)', () => {
    expect(israeliHoliday('2024-04-23')?.name).toBe('Pesach I');
    expect(israeliHoliday('2024-10-03')?.name).toMatch(/^Rosh Hashana/);
    expect(israeliHoliday('2024-10-04')?.name).toBe('Rosh Hashana II');
    expect(israeliHoliday('2024-10-12')?.name).toBe('Yom Kippur');
    expect(israeliHoliday('2024-05-14')).toMatchObject({ name: "Yom HaAtzma'ut", kind: 'modern' });
    // The spec's list: 2024-04-22 is Erev Pesach, 2024-09-15 and 2024-09-24 ordinary days.
    expect(israeliHoliday('2024-04-22')).toBeUndefined();
    expect(israeliHoliday('2024-09-15')).toBeUndefined();
    expect(israeliHoliday('2024-09-24')).toBeUndefined();
  });

  it.each([2024, 2025, 2026, 2027, 2028, 2029, 2030])('match @hebcal/core for %i (Israel: one-day yom tov)', (year) => {
    const ours = [...israeliYear(year).closed.keys()].sort();
    expect(ours).toEqual([...new Set(hebcalClosedDays(year))]);
    // Israel keeps 8 yom tov days a year (RH x2, YK, Sukkot I, Shmini Atzeret, Pesach I and VII, Shavuot) + Independence Day.
    expect(ours).toHaveLength(9);
  });

  it('knows the eves of yom tov, not of minor days', () => {
    expect(israeliErevChag('2024-04-22')).toBe('Erev Pesach I');
    expect(israeliErevChag('2024-10-11')).toBe('Erev Yom Kippur');
    expect(israeliErevChag('2024-03-23')).toBeUndefined(); // Erev Purim stays a full day
    expect(israeliErevChag('2024-10-03')).toBeUndefined(); // itself a holiday
  });
});
