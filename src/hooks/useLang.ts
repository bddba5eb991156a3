import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, directionOf, isLanguage, type Language } from '@/i18n';

export function useLang(): { lang: Language; isRTL: boolean; dir: 'rtl' | 'ltr'; setLang: (lang: Language) => void } {
  const { i18n } = useTranslation();
  const lang: Language = isLanguage(i18n.language) ? i18n.language : 'en';
  const setLang = useCallback((next: Language) => chooseLanguage(next), []);
  return { lang, isRTL: lang === 'he', dir: directionOf(lang), setLang };
}
