import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import i18n from '@/i18n';
import { formatWhen } from '@/lib/format';
import { WAITING_REASONS, type QueueOutlook, type WaitingReason as Reason } from '@/types/queue';
import { WaitingReason } from './WaitingReason';

const ZONE = 'Asia/Jerusalem';
// Sunday 2024-01-14 09:00 and Monday 12:05 in Israel (winter, UTC+2).
const UNTIL = '2024-01-14T07:00:00Z';
const EXPECTED = '2024-01-15T10:05:00Z';

function outlook(waiting_for: Reason): QueueOutlook {
  return {
    waiting_for,
    waiting_until: waiting_for === 'admin_paused' ? null : UNTIL,
    expected_send_at: waiting_for === 'admin_paused' ? null : EXPECTED,
    holiday_name: waiting_for === 'holiday' ? 'Yom Kippur' : null,
    error_code: waiting_for === 'backoff' ? 'http_503' : null,
    attempt: waiting_for === 'backoff' ? 2 : 0,
    max_attempts: 5,
  };
}

const EN: Record<Reason, string> = {
  scheduled: 'Scheduled — Sun 09:00',
  outside_hours: 'Outside business hours — Sun 09:00',
  holiday: 'Holiday: Yom Kippur — Sun 09:00',
  daily_capacity: 'Daily capacity reached — Sun 09:00',
  send_budget: 'Send budget spent — goes Mon 12:05',
  client_paused: 'The Agent DB asked to slow down — until Sun 09:00',
  admin_paused: 'Paused by you',
  backoff: 'Retrying after HTTP 503 — Sun 09:00 (attempt 2 of 5)',
  in_flight: 'Sending now',
  due_now: 'Goes Mon 12:05',
};

const HE: Record<Reason, (until: string, expected: string) => string> = {
  scheduled: (until) => `מתוזמן — ${until}`,
  outside_hours: (until) => `מחוץ לשעות הפעילות — ${until}`,
  holiday: (until) => `חג: Yom Kippur — ${until}`,
  daily_capacity: (until) => `הגיע למכסה היומית — ${until}`,
  send_budget: (_until, expected) => `תקציב השליחה נוצל — יישלח ${expected}`,
  client_paused: (until) => `ה־Agent DB ביקש להאט — עד ${until}`,
  admin_paused: () => 'הושהה על ידך',
  backoff: (until) => `ניסיון חוזר אחרי HTTP 503 — ${until} (ניסיון 2 מתוך 5)`,
  in_flight: () => 'נשלח עכשיו',
  due_now: (_until, expected) => `יישלח ${expected}`,
};

describe('WaitingReason', () => {
  it.each(WAITING_REASONS)('says why and until when in English: %s', (reason) => {
    render(<WaitingReason outlook={outlook(reason)} own timeZone={ZONE} />);
    expect(screen.getByTestId('waiting-reason')).toHaveTextContent(EN[reason]);
  });

  it.each(WAITING_REASONS)('says why and until when in Hebrew: %s', async (reason) => {
    await i18n.changeLanguage('he');
    render(<WaitingReason outlook={outlook(reason)} own timeZone={ZONE} />);
    const sentence = HE[reason](formatWhen(UNTIL, 'he', ZONE)!, formatWhen(EXPECTED, 'he', ZONE)!);
    expect(screen.getByTestId('waiting-reason')).toHaveTextContent(sentence);
  });

  it("names the admin when the paused item is another admin's", () => {
    render(<WaitingReason outlook={outlook('admin_paused')} own={false} timeZone={ZONE} />);
    expect(screen.getByTestId('waiting-reason')).toHaveTextContent('Paused by its admin');
  });
});
