import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { en } from '@/i18n/en';
import { he } from '@/i18n/he';
import { SERVICE_ERROR_CODES, ServiceError } from '@/services/errors';
import { describeError } from '@/hooks/useErrorText';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { en: { translation: en }, he: { translation: he } }, lng: 'en', interpolation: { escapeValue: false } });
});

describe('describeError: the one place an error becomes words', () => {
  it('has a sentence for every service error code in English and Hebrew', () => {
    for (const lang of ['en', 'he']) {
      for (const code of SERVICE_ERROR_CODES) {
        const text = describeError(new ServiceError(code, 'detail', { retryAfter: 7 }), i18n.getFixedT(lang));
        expect(text, `${lang} ${code}`).not.toMatch(/^errors\.|\{\{/);
      }
    }
  });

  it("shows queue-leads' own refusal in English and translates it by code in Hebrew", () => {
    const refusal = new ServiceError('rate_limited', 'Rate limit exceeded. Try again in 42s', { retryAfter: 42 }, 429);
    expect(describeError(refusal, i18n.getFixedT('en'))).toBe('Rate limit exceeded. Try again in 42s');
    expect(describeError(refusal, i18n.getFixedT('he'))).toBe('יותר מדי בקשות. נסה שוב בעוד 42 שניות.');
  });

  it('never shows a database message for a refused grant, only what it means', () => {
    const denied = new ServiceError('forbidden', 'permission denied for table user_queue_settings', { backendCode: '42501' }, 403);
    expect(describeError(denied, i18n.getFixedT('en'))).toBe('You are not allowed to do this.');
    expect(describeError(denied, i18n.getFixedT('he'))).toBe('אין לך הרשאה לפעולה הזו.');
  });

  it('puts an unexpected failure inside the "something went wrong" sentence', () => {
    expect(describeError(new TypeError('items is undefined'), i18n.getFixedT('en'))).toBe('Something went wrong: items is undefined');
  });
});
