import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, isValidDate, isValidTimeZone, toDraft, validateSettings } from '../settings';

describe('validateSettings', () => {
  it('accepts the defaults and turns numbers back into numbers', () => {
    const { errors, settings } = validateSettings(toDraft(DEFAULT_SETTINGS));
    expect(errors).toEqual({});
    expect(settings).toEqual(DEFAULT_SETTINGS);
  });

  it('names each bad field with a message key', () => {
    const draft = toDraft(DEFAULT_SETTINGS);
    draft.daily_target = '300';
    draft.batch_size = 'ten';
    draft.retention_days = '0';
    draft.timezone = 'Nowhere/City';
    draft.business_hours.monday = { enabled: true, start: '17:00', end: '09:00' };
    draft.business_hours.tuesday = { enabled: true, start: '9am', end: '17:00' };
    draft.closed_dates = ['2024-02-30', '2024-03-01', '2024-03-01'];
    const { errors, settings } = validateSettings(draft);
    expect(settings).toBeNull();
    expect(errors).toEqual({
      daily_target: { key: 'targetAboveCapacity' },
      batch_size: { key: 'integer' },
      retention_days: { key: 'range', params: { min: 1, max: 3650 } },
      timezone: { key: 'timezone' },
      'hours.monday.end': { key: 'endAfterStart' },
      'hours.tuesday.start': { key: 'timeFormat' },
      'closed_dates.0': { key: 'date' },
      'closed_dates.2': { key: 'duplicateDate' },
    });
  });

  it('accepts exactly what the database accepts: a daily target of 0 or a capacity above 100000 is refused here', () => {
    const draft = toDraft(DEFAULT_SETTINGS);
    draft.daily_target = '0';
    draft.max_capacity = '100001';
    expect(validateSettings(draft).errors).toEqual({
      daily_target: { key: 'range', params: { min: 1, max: 100000 } },
      max_capacity: { key: 'range', params: { min: 1, max: 100000 } },
    });
    draft.daily_target = '1';
    draft.max_capacity = '100000';
    expect(validateSettings(draft).errors).toEqual({});
    draft.closed_dates = Array.from({ length: 367 }, (_, i) => new Date(Date.UTC(2030, 0, 1 + i)).toISOString().slice(0, 10));
    expect(validateSettings(draft).errors).toEqual({ closed_dates: { key: 'tooManyDates', params: { max: 366 } } });
  });

  it('ignores the hours of a closed day but still needs one open day', () => {
    const draft = toDraft(DEFAULT_SETTINGS);
    draft.business_hours.saturday = { enabled: false, start: '17:00', end: '09:00' };
    expect(validateSettings(draft).errors).toEqual({});
    for (const day of Object.values(draft.business_hours)) day.enabled = false;
    expect(validateSettings(draft).errors).toEqual({ business_hours: { key: 'noOpenDay' } });
  });

  it('sorts closed dates', () => {
    const draft = toDraft({ ...DEFAULT_SETTINGS, closed_dates: ['2024-05-01', '2024-03-01'] });
    expect(validateSettings(draft).settings?.closed_dates).toEqual(['2024-03-01', '2024-05-01']);
  });
});

describe('helpers', () => {
  it('knows real time zones and calendar dates', () => {
    expect(isValidTimeZone('Asia/Jerusalem')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidDate('2024-02-29')).toBe(true);
    expect(isValidDate('2023-02-29')).toBe(false);
  });
});
