import { describe, expect, it } from 'vitest';
import { checkCapacity, checkWindow, planDay, withDefaults, WEEKDAYS } from '@shared/businessRules.ts';
import { parseBackendMessage } from '../backendMessages';
import enqueueSource from '@shared/../../migrations/20261201100700_one_entrance.sql?raw';

// The messages are built by their real producers: a change of wording there fails here.
const rules = withDefaults({});

describe('parseBackendMessage reads the values out of what the rules say', () => {
  it('reads the closed weekday, the closed date and the holiday from planDay()', () => {
    const saturday = planDay('2024-01-13', rules);
    expect(saturday.open || parseBackendMessage(saturday.reason)).toEqual({ kind: 'closedWeekday', weekday: 'saturday' });
    const ownDate = planDay('2024-01-15', withDefaults({ closed_dates: ['2024-01-15'] }));
    expect(ownDate.open || parseBackendMessage(ownDate.reason)).toEqual({ kind: 'closedDate', date: '2024-01-15' });
    const roshHashana = planDay('2024-10-03', rules);
    expect(roshHashana.open || parseBackendMessage(roshHashana.reason)).toEqual({ kind: 'holiday', name: 'Rosh Hashana 5785' });
    for (const weekday of WEEKDAYS) {
      expect(parseBackendMessage(`Cannot schedule for ${weekday} - business closed`)).toEqual({ kind: 'closedWeekday', weekday });
    }
  });

  it('reads the hours from checkWindow(), whatever the zone’s label', () => {
    const early = checkWindow(new Date('2024-01-15T06:00:00Z'), rules);
    expect(parseBackendMessage(early.reason ?? '')).toEqual({ kind: 'outsideHours', start: '09:00', end: '17:00' });
    const london = checkWindow(new Date('2024-01-15T06:00:00Z'), withDefaults({ timezone: 'Europe/London' }));
    expect(london.reason).toContain('Europe/London');
    expect(parseBackendMessage(london.reason ?? '')).toEqual({ kind: 'outsideHours', start: '09:00', end: '17:00' });
  });

  it('reads the numbers of a capacity refusal and of the daily-target warning from checkCapacity()', () => {
    expect(parseBackendMessage(checkCapacity(199, 2, rules).reason ?? '')).toEqual({ kind: 'capacity', total: 201, capacity: 200 });
    expect(parseBackendMessage(checkCapacity(45, 5, rules).warning ?? '')).toEqual({ kind: 'dailyTarget', total: 50, target: 45 });
  });

  it('reads the wait of enqueue_leads’ rate limit', () => {
    expect(enqueueSource).toContain("format('Rate limit exceeded. Try again in %ss', wait_seconds)");
    expect(parseBackendMessage('Rate limit exceeded. Try again in 42s')).toEqual({ kind: 'rateLimit', seconds: 42 });
  });

  it('says nothing about a message it does not know', () => {
    expect(parseBackendMessage('leadIds: Too big: expected array to have <=1000 items')).toBeNull();
    expect(parseBackendMessage('Cannot schedule for someday - business closed')).toBeNull();
  });
});
