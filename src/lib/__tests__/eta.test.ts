import { describe, expect, it } from 'vitest';
import { effectivePacing, estimateDrain, sendRatePerHour, type NextWindow } from '../eta';

// 600 an hour: one message every 6 s, under a budget of 1,000.
const settings = { rate_limit_per_hour: 1000, processing_delay_ms: 6000, max_capacity: 200 };
const at = (iso: string) => new Date(iso);

/** Weekdays 09:00-17:00 UTC, closed Saturday and Sunday. */
const weekdays: NextWindow = (from) => {
  for (let day = 0; day < 14; day += 1) {
    const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + day));
    const weekday = date.getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const start = new Date(date.getTime() + 9 * 3_600_000);
    const end = new Date(date.getTime() + 17 * 3_600_000);
    if (end > from) return { start: start > from ? start : from, end };
  }
  return null;
};

describe('sendRatePerHour', () => {
  it('is capped by the rate limit and the delay between messages (one claim per delay)', () => {
    expect(sendRatePerHour(settings)).toBe(600);
    expect(sendRatePerHour({ ...settings, rate_limit_per_hour: 100 })).toBe(100);
    expect(sendRatePerHour({ ...settings, processing_delay_ms: 10_000 })).toBe(360);
    expect(sendRatePerHour({ ...settings, processing_delay_ms: 0 })).toBe(1000);
  });
});

describe('effectivePacing', () => {
  const server = { batch_size: 10, processing_delay_ms: 2000, rate_limit_per_hour: 1000 };
  it('takes the server default where the admin left a value empty, and caps batch size and rate by it', () => {
    expect(effectivePacing({ batch_size: null, processing_delay_ms: null, rate_limit_per_hour: null }, server)).toEqual(server);
    expect(effectivePacing({ batch_size: 5, processing_delay_ms: 6000, rate_limit_per_hour: 200 }, server)).toEqual({
      batch_size: 5, processing_delay_ms: 6000, rate_limit_per_hour: 200 });
    expect(effectivePacing({ batch_size: 50, processing_delay_ms: 0, rate_limit_per_hour: 5000 }, server)).toEqual({
      batch_size: 10, processing_delay_ms: 0, rate_limit_per_hour: 1000 });
  });
});

describe('estimateDrain', () => {
  it('is now for an empty queue', () => {
    expect(estimateDrain(0, at('2024-01-15T10:00:00Z'), settings, weekdays)).toEqual(at('2024-01-15T10:00:00Z'));
  });

  it('drains inside the open window at the send rate', () => {
    expect(estimateDrain(60, at('2024-01-15T10:00:00Z'), settings, weekdays)).toEqual(at('2024-01-15T10:06:00Z'));
  });

  it('waits for the next window when closed (Saturday -> Monday)', () => {
    expect(estimateDrain(60, at('2024-01-13T10:00:00Z'), settings, weekdays)).toEqual(at('2024-01-15T09:06:00Z'));
  });

  it('spreads over days when the daily capacity is reached', () => {
    // 450 at 200 a day: Mon 200, Tue 200, Wed 50 (5 minutes at 600/h).
    expect(estimateDrain(450, at('2024-01-15T09:00:00Z'), settings, weekdays)).toEqual(at('2024-01-17T09:05:00Z'));
  });

  it('is unknown when no window lies ahead or nothing can be sent', () => {
    expect(estimateDrain(5, at('2024-01-15T10:00:00Z'), settings, () => null)).toBeNull();
    expect(estimateDrain(5, at('2024-01-15T10:00:00Z'), { ...settings, max_capacity: 0 }, weekdays)).toBeNull();
  });
});
