import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { israeliYear } from '@shared/holidays.ts';
import { en } from '@/i18n/en';
import { he } from '@/i18n/he';
import { holidayName } from '@/lib/holidayNames';
import { BACKEND_CODES, fromPostgrest, functionErrorCode, SERVICE_ERROR_CODES, ServiceError, STATUS_CODES } from '@/services/errors';
import { ALERT_CODES, AGENT_FAILURE_CODES, describeAgentFailure, describeAlert, describeError, describeWarning } from '@/hooks/errorText';
// The function's own source, so a code added there without a sentence here fails this test.
import queueLeadsSource from '@shared/../queue-leads/handler.ts?raw';

// No fallback: a sentence missing in Hebrew comes back as its key, and fails the checks below.
const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, he: { translation: he } }, lng: 'en', fallbackLng: false, interpolation: { escapeValue: false } });
});
const LANGS = ['en', 'he'] as const;
const RAW = 'RAW backend text 7f3a';
const HEBREW = /[\u05d0-\u05ea]/;

/** A sentence a user can read: no key, no placeholder, no raw backend text; in Hebrew, Hebrew. */
function expectSentence(text: string, lang: string, what: string) {
  expect(text, `${lang} ${what}`).not.toMatch(/^[a-zA-Z]+\.[a-zA-Z_.]+$|\{\{|RAW backend/);
  expect(text.trim().length, `${lang} ${what}`).toBeGreaterThan(6);
  if (lang === 'he') expect(text, `he ${what}`).toMatch(HEBREW);
}

const t = (lang: string): TFunction => i18n.getFixedT(lang);
const names = (lang: string) => ({ holidayName: (name: string) => holidayName(name, lang), formatDay: (day: string) => day, zoneName: 'Israel Time' });

describe('every code the UI maps has a sentence in English and in Hebrew', () => {
  it('every service error code', () => {
    for (const lang of LANGS) {
      for (const code of SERVICE_ERROR_CODES) {
        expectSentence(describeError(new ServiceError(code, RAW, { retryAfter: 7 }), t(lang)), lang, code);
        expectSentence(describeError(new ServiceError(code, RAW), t(lang)), lang, `${code} without details`);
      }
    }
  });

  it('every SQLSTATE, PostgREST, GoTrue and function code, and every HTTP status, it knows', () => {
    for (const lang of LANGS) {
      for (const code of Object.keys(BACKEND_CODES)) expectSentence(describeError(fromPostgrest({ message: RAW, code }, 400), t(lang)), lang, code);
      for (const status of Object.keys(STATUS_CODES)) {
        expectSentence(describeError(fromPostgrest({ message: RAW, code: '' }, Number(status)), t(lang)), lang, `HTTP ${status}`);
      }
    }
  });

  it('every code queue-leads answers with, read from its source', () => {
    const codes = new Set([...queueLeadsSource.matchAll(/(?:errorResponse|reject)\((?:deps, caller, )?\d{3}, '([a-z_]+)'/g)].map((match) => match[1] ?? ''));
    for (const rule of ['business_closed', 'outside_business_hours', 'holiday', 'capacity_exceeded']) codes.add(rule);
    expect(codes.size).toBeGreaterThanOrEqual(8);
    for (const code of codes) {
      const failure = new ServiceError(functionErrorCode(code, 400), RAW, { backendCode: code }, 400);
      for (const lang of LANGS) expectSentence(describeError(failure, t(lang)), lang, `queue-leads ${code}`);
    }
  });

  it('the business-rule refusals with their values: each weekday, a date, every Israeli closed day by its Hebrew name, hours, numbers', () => {
    const holidays = new Set<string>();
    for (let year = 2024; year <= 2035; year += 1) for (const day of israeliYear(year).closed.values()) holidays.add(day.name);
    const refusals = [
      ...['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map(
        (day) => new ServiceError('business_closed', `Cannot schedule for ${day} - business closed`),
      ),
      new ServiceError('business_closed', 'Cannot schedule for 2030-01-16 - business closed'),
      new ServiceError('outside_business_hours', 'Outside business hours (09:00-17:00 IST)'),
      new ServiceError('capacity_exceeded', 'Daily capacity exceeded (201/200)'),
      new ServiceError('rate_limited', 'Rate limit exceeded. Try again in 42s'),
      ...[...holidays].map((name) => new ServiceError('holiday', `Cannot schedule on holidays (${name})`)),
    ];
    for (const lang of LANGS) {
      for (const refusal of refusals) {
        const text = describeError(refusal, t(lang), names(lang));
        expectSentence(text, lang, refusal.message);
        // The Hebrew sentence carries no English word: the day, the holiday and the zone are all said in Hebrew.
        if (lang === 'he') expect(text.replace(/Israel Time/, ''), refusal.message).not.toMatch(/[A-Za-z]{2,}/);
      }
    }
    expect(describeError(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (201/200)'), t('he'))).toContain('201');
  });

  it('every Agent DB failure code, HTTP answers of each kind, and an unknown code with the code itself', () => {
    for (const lang of LANGS) {
      for (const code of [...AGENT_FAILURE_CODES, 'http_400', 'http_404', 'http_408', 'http_429', 'http_500', 'http_503']) {
        expectSentence(describeAgentFailure(code, t(lang)), lang, code);
      }
      expect(describeAgentFailure('http_400', t(lang))).toContain('400');
      expect(describeAgentFailure('weird_code', t(lang))).toContain('weird_code');
    }
  });

  it('every alert with its numbers, in each plural form, and an unknown alert with its code', () => {
    for (const lang of LANGS) {
      for (const code of [...ALERT_CODES, 'new_alert']) {
        for (const value of [1, 2, 7]) {
          const text = describeAlert({ code, severity: 'warning', message: RAW, value, threshold: 3 }, t(lang), String, (n) => `${n}%`);
          expectSentence(text, lang, `${code} ${value}`);
          // The count is spelled out in the singular and dual forms ("ניסיון אחד"); from 3 on it is a number.
          if (value === 7) expect(text, `${lang} ${code}`).toContain('7');
          if (code === 'new_alert') expect(text).toContain('new_alert');
        }
      }
    }
  });

  it('the daily-target warning and a warning it does not know', () => {
    for (const lang of LANGS) {
      expect(describeWarning('Exceeding daily target (50/45)', t(lang))).toMatch(/50.*45/);
      expectSentence(describeWarning('Exceeding daily target (50/45)', t(lang)), lang, 'daily target');
      expectSentence(describeWarning(RAW, t(lang)), lang, 'unknown warning');
    }
  });

  it('every validation message of the settings form and the sign-in form', () => {
    for (const [section, keys] of [['settings.validation', Object.keys(en.settings.validation)], ['login.validation', Object.keys(en.login.validation)]] as const) {
      for (const key of keys) for (const lang of LANGS) expectSentence(t(lang)(`${section}.${key}` as never, { min: 1, max: 9 }), lang, `${section}.${key}`);
    }
  });
});

describe('describeError never shows a backend message', () => {
  it('gives an unknown failure a generic sentence in the user’s language with the code for support', () => {
    const odd = new ServiceError('unknown', RAW, { backendCode: 'ZZ123' }, 418);
    expect(describeError(odd, t('en'))).toBe('Something went wrong (code ZZ123). Try again; if it keeps happening, tell support the code.');
    expect(describeError(odd, t('he'))).toBe('משהו השתבש (קוד \u2068ZZ123\u2069). נסה שוב; אם זה חוזר, מסור לתמיכה את הקוד.');
    expect(describeError(new RangeError('items is undefined'), t('en'))).toContain('code RangeError');
  });

  it('calls a browser failure to fetch a network problem, in words', () => {
    expect(describeError(new TypeError('Failed to fetch'), t('he'))).toBe('אין חיבור לשרת. בדוק את החיבור שלך.');
  });

  it('never shows the database message for a refused grant, only what it means', () => {
    const denied = new ServiceError('forbidden', 'permission denied for table user_queue_settings', { backendCode: '42501' }, 403);
    expect(describeError(denied, t('en'))).toBe('You are not allowed to do this.');
    expect(describeError(denied, t('he'))).toBe('אין לך הרשאה לפעולה הזו.');
  });
});
