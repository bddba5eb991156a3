import 'i18next';
import type { Messages } from './en';

declare module 'i18next' {
  // Keys are checked; values are plain strings, so interpolation accepts numbers and dates too.
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}
