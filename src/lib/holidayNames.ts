// Loaded with the admin page only: hebcal's name tables stay out of the first paint.
import { Locale } from '@hebcal/core';

/** A holiday's name (hebcal's English, as the rules and the calendar table give it) in the UI's language. */
export function holidayName(name: string, lang: string): string {
  if (lang !== 'he') return name;
  // "Rosh Hashana 5787": hebcal names the new year with its number, which its tables do not hold.
  const numbered = /^(.*\D) (\d{4})$/.exec(name);
  const base = numbered?.[1] ?? name;
  const translated = Locale.lookupTranslation(base, 'he-x-nonikud');
  if (!translated) return name;
  return numbered ? `${translated} ${numbered[2]}` : translated;
}
