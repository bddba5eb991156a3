import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  checkCapacity,
  checkWindow,
  isKnownTimeZone,
  isOpenAt,
  localDayBounds,
  nextBusinessWindow,
  planDay,
  validateOperation,
  withDefaults,
  zonedInstant,
  type BusinessSettings,
} from '../businessRules.ts';

const fridayHalfDay: BusinessSettings = withDefaults({
  business_hours: { ...DEFAULT_SETTINGS.business_hours, friday: { enabled: true, start: '09:00', end: '13:00' } },
});

describe('hours in the admin zone (Asia/Jerusalem)', () => {
  it('opens 09:00 local on a winter Thursday (UTC+2) and a summer one (UTC+3)', () => {
    expect(nextBusinessWindow(new Date('2025-01-16T00:00:00Z'), DEFAULT_SETTINGS)?.start.toISOString()).toBe('2025-01-16T07:00:00.000Z');
    expect(nextBusinessWindow(new Date('2025-07-17T00:00:00Z'), DEFAULT_SETTINGS)?.start.toISOString()).toBe('2025-07-17T06:00:00.000Z');
  });

  it('keeps 09:00-13:00 local on the spring DST switch day (Friday 2025-03-28)', () => {
    const plan = planDay('2025-03-28', fridayHalfDay);
    expect(plan.open).toBe(true);
    if (!plan.open) return;
    expect(plan.window.start.toISOString()).toBe('2025-03-28T06:00:00.000Z');
    // Open through the minute 13:00 names, as the spec compares HH:MM.
    expect(plan.window.end.toISOString()).toBe('2025-03-28T10:01:00.000Z');
    // The day before is still winter time.
    const thursday = planDay('2025-03-27', fridayHalfDay);
    expect(thursday.open && thursday.window.start.toISOString()).toBe('2025-03-27T07:00:00.000Z');
  });

  it('keeps 09:00-17:00 local on the autumn DST switch day (Sunday 2025-10-26)', () => {
    const plan = planDay('2025-10-26', DEFAULT_SETTINGS);
    expect(plan.open && plan.window.start.toISOString()).toBe('2025-10-26T07:00:00.000Z');
    expect(plan.open && plan.window.end.toISOString()).toBe('2025-10-26T15:01:00.000Z');
    expect(isOpenAt(new Date('2025-10-26T06:30:00Z'), DEFAULT_SETTINGS)).toBe(false); // 08:30 local
    expect(isOpenAt(new Date('2025-10-26T14:59:00Z'), DEFAULT_SETTINGS)).toBe(true); // 16:59 local
    // A 00:00-24:00 day is 25 hours long when the clocks go back.
    const allDay = withDefaults({ business_hours: { ...DEFAULT_SETTINGS.business_hours, sunday: { enabled: true, start: '00:00', end: '24:00' } } });
    const bounds = planDay('2025-10-26', allDay);
    expect(bounds.open && (bounds.window.end.getTime() - bounds.window.start.getTime()) / 3_600_000).toBe(25);
    const local = localDayBounds(new Date('2025-10-26T12:00:00Z'), 'Asia/Jerusalem');
    expect((local.end.getTime() - local.start.getTime()) / 3_600_000).toBe(25);
  });

  it('keeps the end minute open, as the spec compares HH:MM: 17:00:59 is inside, 17:01 is not', () => {
    expect(isOpenAt(new Date('2024-01-15T17:00:00+02:00'), DEFAULT_SETTINGS)).toBe(true);
    expect(isOpenAt(new Date('2024-01-15T17:00:59+02:00'), DEFAULT_SETTINGS)).toBe(true);
    expect(checkWindow(new Date('2024-01-15T17:01:00+02:00'), DEFAULT_SETTINGS).code).toBe('outside_business_hours');
    expect(isOpenAt(new Date('2024-01-15T08:59:59+02:00'), DEFAULT_SETTINGS)).toBe(false);
  });

  it("treats '24:00' as open until midnight", () => {
    const late = withDefaults({ business_hours: { ...DEFAULT_SETTINGS.business_hours, monday: { enabled: true, start: '18:00', end: '24:00' } } });
    expect(isOpenAt(new Date('2024-01-15T21:59:00Z'), late)).toBe(true); // 23:59 local
    expect(isOpenAt(new Date('2024-01-15T22:00:00Z'), late)).toBe(false); // Tuesday 00:00 local
  });

  it('uses the spec messages and codes', () => {
    expect(checkWindow(new Date('2024-01-13T10:00:00+02:00'), DEFAULT_SETTINGS)).toEqual({
      allowed: false,
      code: 'business_closed',
      reason: 'Cannot schedule for saturday - business closed',
    });
    expect(checkWindow(new Date('2024-01-15T20:00:00+02:00'), DEFAULT_SETTINGS)).toEqual({
      allowed: false,
      code: 'outside_business_hours',
      reason: 'Outside business hours (09:00-17:00 IST)',
    });
    expect(checkCapacity(40, 10, DEFAULT_SETTINGS).warning).toBe('Exceeding daily target (50/45)');
    expect(checkCapacity(200, 1, DEFAULT_SETTINGS)).toEqual({
      allowed: false,
      code: 'capacity_exceeded',
      reason: 'Daily capacity exceeded (201/200)',
    });
    expect(checkCapacity(0, 45, DEFAULT_SETTINGS)).toEqual({ allowed: true });
  });

  it('offers the next window when refusing', () => {
    const result = validateOperation(
      { leadIds: ['a'], scheduledFor: new Date('2024-01-18T20:00:00+02:00') }, // Thursday evening
      { settings: DEFAULT_SETTINGS, now: new Date('2024-01-18T20:00:00+02:00'), todayCount: 0 },
    );
    expect(result.allowed).toBe(false);
    expect(result.code).toBe('outside_business_hours');
    expect(result.nextWindow?.start.toISOString()).toBe('2024-01-21T07:00:00.000Z'); // Sunday 09:00
  });
});

describe('local times in a DST gap or overlap, read as PostgreSQL reads them', () => {
  it('a time the spring switch skips takes the offset before the jump; a repeated time its later occurrence', () => {
    // Israel: 2025-03-28 02:00 -> 03:00, 2025-10-26 02:00 -> 01:00 (the same instants `timestamp at time zone` gives).
    expect(zonedInstant('2025-03-28', '02:30', 'Asia/Jerusalem').toISOString()).toBe('2025-03-28T00:30:00.000Z');
    expect(zonedInstant('2025-10-26', '01:30', 'Asia/Jerusalem').toISOString()).toBe('2025-10-25T23:30:00.000Z');
    expect(zonedInstant('2025-10-26', '00:59', 'Asia/Jerusalem').toISOString()).toBe('2025-10-25T21:59:00.000Z');
    expect(zonedInstant('2025-07-01', '09:00', 'Asia/Kolkata').toISOString()).toBe('2025-07-01T03:30:00.000Z');
  });
});

describe('a zone the runtime does not know', () => {
  it('refuses with invalid_timezone instead of throwing, and offers no window', () => {
    const posix = withDefaults({ timezone: 'posix/Asia/Jerusalem' });
    expect(checkWindow(new Date('2025-01-15T10:00:00Z'), posix)).toEqual({
      allowed: false,
      code: 'invalid_timezone',
      reason: 'Unknown time zone: posix/Asia/Jerusalem',
    });
    expect(nextBusinessWindow(new Date('2025-01-15T10:00:00Z'), posix)).toBeNull();
    expect(isKnownTimeZone('posix/Asia/Jerusalem')).toBe(false);
    expect(isKnownTimeZone('Asia/Jerusalem')).toBe(true);
  });
});

describe('an admin in another zone (America/New_York)', () => {
  const newYork = withDefaults({
    timezone: 'America/New_York',
    holiday_calendar: 'none',
    business_hours: {
      ...DEFAULT_SETTINGS.business_hours,
      sunday: { enabled: false, start: '09:00', end: '17:00' },
      friday: { enabled: true, start: '09:00', end: '17:00' },
    },
  });

  it('opens 09:00 New York time, across the US DST change', () => {
    expect(planDay('2025-03-07', newYork).open && (planDay('2025-03-07', newYork) as { window: { start: Date } }).window.start.toISOString()).toBe('2025-03-07T14:00:00.000Z');
    const afterSwitch = planDay('2025-03-10', newYork);
    expect(afterSwitch.open && afterSwitch.window.start.toISOString()).toBe('2025-03-10T13:00:00.000Z');
    expect(checkWindow(new Date('2025-03-10T12:30:00Z'), newYork).reason).toBe('Outside business hours (09:00-17:00 America/New_York)');
  });

  it('reads the weekday in its own zone, not in Israel', () => {
    // Friday 20:00 in Israel is Friday 13:00 in New York: closed there, open here.
    const at = new Date('2025-01-17T18:00:00Z');
    expect(isOpenAt(at, DEFAULT_SETTINGS)).toBe(false);
    expect(isOpenAt(at, newYork)).toBe(true);
  });
});

describe('Fridays', () => {
  it('a closed Friday refuses as business closed and points to Sunday', () => {
    const friday = new Date('2024-01-19T10:00:00+02:00');
    const result = validateOperation({ leadIds: ['a'], scheduledFor: friday }, { settings: DEFAULT_SETTINGS, now: friday, todayCount: 0 });
    expect(result.reason).toBe('Cannot schedule for friday - business closed');
    expect(result.nextWindow?.start.toISOString()).toBe('2024-01-21T07:00:00.000Z');
  });

  it('a Friday half day is open in the morning and closed after 13:00', () => {
    expect(isOpenAt(new Date('2024-01-19T10:00:00+02:00'), fridayHalfDay)).toBe(true);
    expect(checkWindow(new Date('2024-01-19T13:30:00+02:00'), fridayHalfDay).reason).toBe('Outside business hours (09:00-13:00 IST)');
  });
});

describe('closed days', () => {
  it('refuses Israeli holidays by name', () => {
    const pesach = new Date('2024-04-23T10:00:00+03:00');
    const result = validateOperation({ leadIds: ['a'], scheduledFor: pesach }, { settings: DEFAULT_SETTINGS, now: pesach, todayCount: 0 });
    expect(result).toMatchObject({ allowed: false, code: 'holiday', reason: 'Cannot schedule on holidays (Pesach I)' });
    expect(result.nextWindow?.start.toISOString()).toBe('2024-04-24T06:00:00.000Z');
  });

  it('ignores holidays when the calendar is none, but keeps the admin closed dates', () => {
    const settings = withDefaults({ holiday_calendar: 'none', closed_dates: ['2024-04-24'] });
    expect(isOpenAt(new Date('2024-04-23T10:00:00+03:00'), settings)).toBe(true);
    expect(checkWindow(new Date('2024-04-24T10:00:00+03:00'), settings)).toMatchObject({ allowed: false, code: 'business_closed' });
  });

  it('closes early on erev chag only when short_erev_chag is on', () => {
    const eve = new Date('2024-10-16T14:00:00+03:00'); // Erev Sukkot, a Wednesday
    expect(isOpenAt(eve, DEFAULT_SETTINGS)).toBe(true);
    const short = withDefaults({ short_erev_chag: true, erev_chag_end: '13:00' });
    expect(checkWindow(eve, short).reason).toBe('Outside business hours (09:00-13:00 IST)');
    expect(isOpenAt(new Date('2024-10-16T13:00:30+03:00'), short)).toBe(true);
    expect(isOpenAt(new Date('2024-10-16T13:01:00+03:00'), short)).toBe(false);
    expect(isOpenAt(new Date('2024-10-16T12:00:00+03:00'), short)).toBe(true);
  });
});

describe('nextBusinessWindow properties', () => {
  const settingsArb = fc.record({
    timezone: fc.constantFrom('Asia/Jerusalem', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'UTC'),
    holiday_calendar: fc.constantFrom<'IL' | 'none'>('IL', 'none'),
    short_erev_chag: fc.boolean(),
    friday: fc.boolean(),
    startHour: fc.integer({ min: 0, max: 12 }),
    endHour: fc.integer({ min: 13, max: 24 }),
  });
  const instantArb = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });

  it('lands inside an open window, never earlier than its input', () => {
    fc.assert(
      fc.property(settingsArb, instantArb, (shape, from) => {
        const hour = (value: number) => `${String(value).padStart(2, '0')}:00`;
        const day = { enabled: true, start: hour(shape.startHour), end: hour(shape.endHour) };
        const settings = withDefaults({
          timezone: shape.timezone,
          holiday_calendar: shape.holiday_calendar,
          short_erev_chag: shape.short_erev_chag,
          business_hours: {
            ...DEFAULT_SETTINGS.business_hours,
            sunday: day,
            monday: day,
            tuesday: day,
            wednesday: day,
            thursday: day,
            friday: { ...day, enabled: shape.friday },
          },
        });
        const window = nextBusinessWindow(from, settings);
        expect(window).not.toBeNull();
        if (!window) return;
        expect(window.start.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(window.end.getTime()).toBeGreaterThan(window.start.getTime());
        expect(isOpenAt(window.start, settings)).toBe(true);
        expect(isOpenAt(new Date(window.end.getTime() - 1), settings)).toBe(true);
        if (isOpenAt(from, settings)) expect(window.start.getTime()).toBe(from.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('is null when every weekday is closed', () => {
    const closed = withDefaults({
      business_hours: Object.fromEntries(
        Object.entries(DEFAULT_SETTINGS.business_hours).map(([name, rule]) => [name, { ...rule, enabled: false }]),
      ) as BusinessSettings['business_hours'],
    });
    expect(nextBusinessWindow(new Date('2025-01-01T00:00:00Z'), closed)).toBeNull();
  });
});
