import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  checkWindow,
  nextBusinessWindow,
  WEEKDAYS,
  zonedInstant,
  type BusinessSettings,
  type DayHours,
} from '../../supabase/functions/_shared/businessRules.ts';
import { withDatabase } from '../support/db.ts';

/**
 * The sending window is decided twice: in SQL (enqueue_leads, the alerts) and in TypeScript (the processor, the SPA's
 * previews). Random settings and instants, many of them at a window's edge or around a DST switch, must get the same
 * answer from both: open or not, the code and the reason, and the next window.
 */

const db = withDatabase();

// Zones with DST at 02:00 (Israel, US), 01:00 UTC (EU), a 30-minute shift (Lord Howe), 45-minute offsets (Chatham),
// none (Kolkata, UTC, São Paulo since 2019).
const ZONES = ['Asia/Jerusalem', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/Sao_Paulo', 'UTC'];
// The IL calendar in SQL covers 2024-2035; next windows look up to 400 days ahead.
const FIRST = Date.parse('2024-01-01T00:00:00Z');
const LAST = Date.parse('2034-06-30T00:00:00Z');

const pad = (n: number) => String(n).padStart(2, '0');
const minuteText = (minute: number) => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;

// Half the windows open or close in the small hours, where the DST switches are.
const minuteArb = fc.oneof(fc.integer({ min: 0, max: 23 * 60 + 58 }), fc.integer({ min: 0, max: 4 * 60 }));
const dayArb: fc.Arbitrary<DayHours> = fc
  .record({ enabled: fc.boolean(), start: minuteArb, length: fc.oneof(fc.integer({ min: 1, max: 24 * 60 }), fc.integer({ min: 1, max: 180 })) })
  .map(({ enabled, start, length }) => {
    const end = start + length;
    return { enabled, start: minuteText(start), end: end >= 24 * 60 ? '24:00' : minuteText(end) };
  });

const dateArb = fc.integer({ min: FIRST, max: LAST }).map((ms) => new Date(ms).toISOString().slice(0, 10));
// Local dates of DST switches in these zones (2025 and 2030): Israel, the US, the EU, Lord Howe, Chatham.
const DST_DATES = ['2025-03-09', '2025-03-28', '2025-03-30', '2025-04-06', '2025-09-28', '2025-10-05', '2025-10-26', '2025-11-02', '2030-03-29', '2030-10-27'];

const settingsArb: fc.Arbitrary<BusinessSettings> = fc.record({
  timezone: fc.constantFrom(...ZONES),
  business_hours: fc.tuple(dayArb, dayArb, dayArb, dayArb, dayArb, dayArb, dayArb).map((days) => Object.fromEntries(WEEKDAYS.map((day, i) => [day, days[i]!])) as BusinessSettings['business_hours']),
  holiday_calendar: fc.constantFrom<'IL' | 'none'>('IL', 'IL', 'none'),
  closed_dates: fc.array(dateArb, { maxLength: 4 }),
  short_erev_chag: fc.boolean(),
  erev_chag_end: fc.integer({ min: 0, max: 23 * 60 + 59 }).map(minuteText),
  daily_target: fc.constant(45),
  max_capacity: fc.constant(200),
});

/** Where an instant is drawn from: anywhere, at a window edge of its local day, or around a DST switch. */
function instantArb(settings: BusinessSettings): fc.Arbitrary<Date> {
  const anywhere = fc.integer({ min: FIRST, max: LAST }).map((ms) => new Date(ms));
  const edge = fc
    .record({ date: fc.oneof(dateArb, fc.constantFrom(...DST_DATES)), day: fc.constantFrom(...WEEKDAYS), side: fc.constantFrom('start', 'end' as const), shift: fc.integer({ min: -90, max: 90 }) })
    .map(({ date, day, side, shift }) => {
      const hours = settings.business_hours[day];
      const edge = hours[side] ?? '09:00';
      const time = edge === '24:00' ? '23:59' : edge;
      return new Date(zonedInstant(date, time, settings.timezone).getTime() + shift * 1000);
    });
  // A day either side of a switch, in any of the zones.
  const dst = fc
    .record({ day: fc.constantFrom(...DST_DATES), minutes: fc.integer({ min: -24 * 60, max: 24 * 60 }) })
    .map(({ day, minutes }) => new Date(Date.parse(`${day}T00:00:00Z`) + minutes * 60_000));
  return fc.oneof(anywhere, edge, dst);
}

interface SqlAnswer {
  allowed: boolean;
  code: string | null;
  reason: string | null;
  next_start: Date | null;
  next_end: Date | null;
}

async function sqlAnswer(settings: BusinessSettings, at: Date): Promise<SqlAnswer> {
  const { rows } = await db.pool.query<SqlAnswer>(
    `with s as (select (jsonb_populate_record(null::public.user_queue_settings, $1::jsonb)).*)
     select c.allowed, c.code, c.reason, lower(n.w) as next_start, upper(n.w) as next_end
       from s, lateral private.window_check(s::public.user_queue_settings, $2::timestamptz) c,
            lateral (select private.next_window(s::public.user_queue_settings, $2::timestamptz) as w) n`,
    [JSON.stringify(settings), at.toISOString()],
  );
  return rows[0]!;
}

describe('the window in SQL and in TypeScript', () => {
  it('agree on random settings and instants: open or not, code, reason and the next window', async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb.chain((settings) => fc.tuple(fc.constant(settings), instantArb(settings))),
        async ([settings, at]) => {
          const sql = await sqlAnswer(settings, at);
          const ts = checkWindow(at, settings);
          const next = nextBusinessWindow(at, settings);
          expect({ allowed: sql.allowed, code: sql.code ?? undefined, reason: sql.reason ?? undefined }).toEqual({
            allowed: ts.allowed,
            code: ts.code,
            reason: ts.reason,
          });
          expect({ start: sql.next_start?.toISOString() ?? null, end: sql.next_end?.toISOString() ?? null }).toEqual({
            start: next?.start.toISOString() ?? null,
            end: next?.end.toISOString() ?? null,
          });
        },
      ),
      { numRuns: 600 },
    );
  });

  it('skip a day whose hours fall inside the DST gap (it opens and closes at one instant) for the next open day', async () => {
    const closedDay = { enabled: false, start: '09:00', end: '17:00' };
    const settings: BusinessSettings = {
      ...DEFAULT_SETTINGS,
      timezone: 'Europe/Berlin',
      holiday_calendar: 'none',
      business_hours: {
        sunday: { enabled: true, start: '02:27', end: '03:26' },
        monday: closedDay,
        tuesday: { enabled: true, start: '00:04', end: '23:59' },
        wednesday: closedDay,
        thursday: closedDay,
        friday: closedDay,
        saturday: closedDay,
      },
    };
    // Friday before the spring-forward Sunday 2025-03-30 (02:00 -> 03:00 in Berlin).
    const at = new Date('2025-03-28T01:27:00Z');
    const sql = await sqlAnswer(settings, at);
    const ts = nextBusinessWindow(at, settings);
    const tuesday = { start: '2025-03-31T22:04:00.000Z', end: '2025-04-01T22:00:00.000Z' };
    expect({ start: sql.next_start?.toISOString(), end: sql.next_end?.toISOString() }).toEqual(tuesday);
    expect({ start: ts?.start.toISOString(), end: ts?.end.toISOString() }).toEqual(tuesday);
  });

  it('agree on the spec cases and the end minute (17:00:59 open, 17:01 closed)', async () => {
    const defaults = DEFAULT_SETTINGS;
    const cases: Array<[string, boolean]> = [
      ['2024-01-15T09:00:00+02:00', true], // Monday 9am
      ['2024-01-13T10:00:00+02:00', false], // Saturday
      ['2024-01-15T20:00:00+02:00', false], // Monday 8pm
      ['2024-01-15T17:00:59+02:00', true],
      ['2024-01-15T17:01:00+02:00', false],
      ['2024-01-15T08:59:59+02:00', false],
    ];
    for (const [at, open] of cases) {
      const sql = await sqlAnswer(defaults, new Date(at));
      expect(sql.allowed, at).toBe(open);
      expect(checkWindow(new Date(at), defaults).allowed, at).toBe(open);
    }
  });
});
