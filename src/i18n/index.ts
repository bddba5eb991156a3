import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { he } from './he';

export const LANGUAGES = ['en', 'he'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'lq.lang';

export function isLanguage(value: unknown): value is Language {
  return value === 'en' || value === 'he';
}

/** The first supported language among the browser's preferences (`he-IL` → he; `iw` is Hebrew's old code). */
export function browserLanguage(preferences: readonly string[]): Language | null {
  for (const tag of preferences) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'he' || base === 'iw') return 'he';
    if (base === 'en') return 'en';
  }
  return null;
}

/** A choice the user made wins; a first visit follows the browser's languages. */
function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage may be unavailable (private mode): fall through to the browser's languages.
  }
  const preferences = typeof navigator === 'undefined' ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
  return browserLanguage(preferences) ?? 'en';
}

export function directionOf(lang: Language): 'rtl' | 'ltr' {
  return lang === 'he' ? 'rtl' : 'ltr';
}

/** Keeps <html lang dir> in step with i18next. */
function applyLanguage(lng: string): void {
  const lang: Language = isLanguage(lng) ? lng : 'en';
  document.documentElement.lang = lang;
  document.documentElement.dir = directionOf(lang);
}

/** The user's own choice: applied and remembered, so it wins over the browser's languages from now on. */
export function chooseLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Storage may be unavailable (private mode); the choice then lasts for the session.
  }
  void i18n.changeLanguage(lang);
}

i18n.on('languageChanged', applyLanguage);

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, he: { translation: he } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: LANGUAGES,
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
applyLanguage(i18n.language);

export default i18n;
