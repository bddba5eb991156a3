import { MAX_CLOSED_DATES, QUEUE_SETTINGS_DEFAULTS, QUEUE_SETTINGS_LIMITS } from '@shared/settingsDefaults.ts';
import { TIME_ZONES } from '@shared/timeZones.ts';
import { WEEKDAYS, type BusinessHours, type QueueSettings } from '@/types/queue';

/** The schema's column defaults, used until the admin first saves. */
export const DEFAULT_SETTINGS: QueueSettings = {
  ...QUEUE_SETTINGS_DEFAULTS,
  business_hours: { ...QUEUE_SETTINGS_DEFAULTS.business_hours },
  closed_dates: [],
};

// The database's own bounds: a value the form accepts is one the check constraints accept.
export const NUMBER_LIMITS = QUEUE_SETTINGS_LIMITS;
export type NumberField = keyof typeof NUMBER_LIMITS;
export const NUMBER_FIELDS = Object.keys(NUMBER_LIMITS) as NumberField[];
/** Overrides of the environment's values: left empty (null), the server's default applies. */
export const OPTIONAL_FIELDS: readonly NumberField[] = ['batch_size', 'processing_delay_ms', 'rate_limit_per_hour'];

/** A validation problem as an i18n key under settings.validation, with its parameters. */
export interface FieldError {
  key: 'timeFormat' | 'endAfterStart' | 'timezone' | 'integer' | 'range' | 'targetAboveCapacity' | 'date' | 'duplicateDate' | 'noOpenDay' | 'tooManyDates';
  params?: Record<string, number | string>;
}
export type SettingsErrors = Partial<Record<string, FieldError>>;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One of the zones the database accepts (the same list the form offers). */
export function isValidTimeZone(zone: string): boolean {
  return TIME_ZONES.includes(zone);
}

export function isValidDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** Form values as typed: numbers may still be text. */
export type SettingsDraft = Omit<QueueSettings, NumberField> & Record<NumberField, string>;

export function toDraft(settings: QueueSettings): SettingsDraft {
  const numbers = Object.fromEntries(NUMBER_FIELDS.map((field) => [field, String(settings[field] ?? '')])) as Record<NumberField, string>;
  return { ...settings, ...numbers, business_hours: structuredClone(settings.business_hours), closed_dates: [...settings.closed_dates] };
}

/** Checks a draft; keys are field names ("daily_target", "hours.monday.end", "closed_dates.2"). */
export function validateSettings(draft: SettingsDraft): { errors: SettingsErrors; settings: QueueSettings | null } {
  const errors: SettingsErrors = {};
  const hours: BusinessHours = draft.business_hours;
  for (const day of WEEKDAYS) {
    const { start, end, enabled } = hours[day];
    if (!TIME.test(start)) errors[`hours.${day}.start`] = { key: 'timeFormat' };
    if (!TIME.test(end)) errors[`hours.${day}.end`] = { key: 'timeFormat' };
    else if (enabled && TIME.test(start) && end <= start) errors[`hours.${day}.end`] = { key: 'endAfterStart' };
  }
  if (!WEEKDAYS.some((day) => hours[day].enabled)) errors.business_hours = { key: 'noOpenDay' };
  if (!isValidTimeZone(draft.timezone)) errors.timezone = { key: 'timezone' };
  if (!TIME.test(draft.erev_chag_end)) errors.erev_chag_end = { key: 'timeFormat' };

  const numbers: Partial<Record<NumberField, number | null>> = {};
  for (const field of NUMBER_FIELDS) {
    const text = draft[field].trim();
    if (text === '' && OPTIONAL_FIELDS.includes(field)) {
      numbers[field] = null;
      continue;
    }
    const { min, max } = NUMBER_LIMITS[field];
    if (!/^-?\d+$/.test(text)) errors[field] = { key: 'integer' };
    else if (Number(text) < min || Number(text) > max) errors[field] = { key: 'range', params: { min, max } };
    else numbers[field] = Number(text);
  }
  if (typeof numbers.daily_target === 'number' && typeof numbers.max_capacity === 'number' && numbers.daily_target > numbers.max_capacity) {
    errors.daily_target = { key: 'targetAboveCapacity' };
  }

  if (draft.closed_dates.length > MAX_CLOSED_DATES) errors.closed_dates = { key: 'tooManyDates', params: { max: MAX_CLOSED_DATES } };
  const seen = new Set<string>();
  draft.closed_dates.forEach((date, index) => {
    if (!isValidDate(date)) errors[`closed_dates.${index}`] = { key: 'date' };
    else if (seen.has(date)) errors[`closed_dates.${index}`] = { key: 'duplicateDate' };
    seen.add(date);
  });

  if (Object.keys(errors).length > 0) return { errors, settings: null };
  return {
    errors,
    // Every field was checked above: the required ones hold numbers, the optional ones a number or null.
    settings: { ...draft, ...(numbers as Pick<QueueSettings, NumberField>), closed_dates: [...draft.closed_dates].sort() },
  };
}
