import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';
import { israeliErevChag, israeliHoliday, nextDate } from './holidays.ts';
import { QUEUE_SETTINGS_DEFAULTS } from './settingsDefaults.ts';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface DayHours {
  enabled: boolean;
  /** `HH:mm`, local to the admin's time zone. */
  start?: string;
  /** `HH:mm`; `24:00` means open until midnight. */
  end?: string;
}

/** The rule-relevant part of a `user_queue_settings` row. */
export interface BusinessSettings {
  timezone: string;
  business_hours: Record<Weekday, DayHours>;
  holiday_calendar: 'IL' | 'none';
  /** The admin's own closed dates, `YYYY-MM-DD`. */
  closed_dates: string[];
  short_erev_chag: boolean;
  erev_chag_end: string;
  daily_target: number;
  max_capacity: number;
}

export const DEFAULT_SETTINGS: BusinessSettings = {
  ...QUEUE_SETTINGS_DEFAULTS,
  business_hours: { ...QUEUE_SETTINGS_DEFAULTS.business_hours },
  closed_dates: [],
};

/** Fills what a partial or loosely typed settings row leaves out with the spec's defaults. */
export function withDefaults(partial: Partial<BusinessSettings> | null | undefined): BusinessSettings {
  const hours = { ...DEFAULT_SETTINGS.business_hours, ...(partial?.business_hours ?? {}) };
  return {
    ...DEFAULT_SETTINGS,
    ...Object.fromEntries(Object.entries(partial ?? {}).filter(([, value]) => value !== null && value !== undefined)),
    business_hours: hours,
  } as BusinessSettings;
}

export type RuleCode = 'business_closed' | 'outside_business_hours' | 'holiday' | 'capacity_exceeded';

export interface BusinessWindow {
  start: Date;
  end: Date;
}

/** What one local calendar day allows: a window, or the reason it is closed. */
export type DayPlan =
  | { open: true; date: string; weekday: Weekday; window: BusinessWindow; hours: { start: string; end: string } }
  | { open: false; date: string; weekday: Weekday; code: 'business_closed' | 'holiday'; reason: string };

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

function localInstant(date: string, time: string, timezone: string): Date {
  if (time === '24:00') return fromZonedTime(`${nextDate(date)}T00:00:00`, timezone);
  return fromZonedTime(`${date}T${time}:00`, timezone);
}

function weekdayOf(date: string): Weekday {
  return WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()] ?? 'sunday';
}

/** The business day (`YYYY-MM-DD`) that `at` falls on in the admin's zone. */
export function localDateOf(at: Date, timezone: string): string {
  return formatInTimeZone(at, timezone, 'yyyy-MM-dd');
}

function zoneLabel(at: Date, timezone: string): string {
  // The spec's messages say IST for Israel whatever the season; other zones get their own short name.
  if (timezone === 'Asia/Jerusalem') return 'IST';
  return formatInTimeZone(at, timezone, 'zzz');
}

/** The opening hours of one local date under these settings. */
export function planDay(date: string, settings: BusinessSettings): DayPlan {
  const weekday = weekdayOf(date);
  const rule = settings.business_hours[weekday];
  if (!rule?.enabled) {
    return { open: false, date, weekday, code: 'business_closed', reason: `Cannot schedule for ${weekday} - business closed` };
  }
  if (settings.closed_dates.includes(date)) {
    return { open: false, date, weekday, code: 'business_closed', reason: `Cannot schedule for ${date} - business closed` };
  }
  if (settings.holiday_calendar === 'IL') {
    const holiday = israeliHoliday(date);
    if (holiday) {
      return { open: false, date, weekday, code: 'holiday', reason: `Cannot schedule on holidays (${holiday.name})` };
    }
  }
  const start = rule.start && TIME.test(rule.start) ? rule.start : '09:00';
  let end = rule.end && TIME.test(rule.end) ? rule.end : '17:00';
  if (settings.holiday_calendar === 'IL' && settings.short_erev_chag && israeliErevChag(date)) {
    if (TIME.test(settings.erev_chag_end) && settings.erev_chag_end < end) end = settings.erev_chag_end;
  }
  const window = { start: localInstant(date, start, settings.timezone), end: localInstant(date, end, settings.timezone) };
  if (window.end <= window.start) {
    return { open: false, date, weekday, code: 'business_closed', reason: `Cannot schedule for ${weekday} - business closed` };
  }
  return { open: true, date, weekday, window, hours: { start, end } };
}

export interface WindowCheck {
  allowed: boolean;
  code?: RuleCode;
  reason?: string;
}

/** Whether `at` is inside the admin's open hours, and why not when it is not. */
export function checkWindow(at: Date, settings: BusinessSettings): WindowCheck {
  const plan = planDay(localDateOf(at, settings.timezone), settings);
  if (!plan.open) return { allowed: false, code: plan.code, reason: plan.reason };
  if (at < plan.window.start || at >= plan.window.end) {
    const label = zoneLabel(at, settings.timezone);
    return {
      allowed: false,
      code: 'outside_business_hours',
      reason: `Outside business hours (${plan.hours.start}-${plan.hours.end} ${label})`,
    };
  }
  return { allowed: true };
}

export function isOpenAt(at: Date, settings: BusinessSettings): boolean {
  return checkWindow(at, settings).allowed;
}

const SEARCH_DAYS = 400;

/**
 * The first open stretch at or after `from`: `start` is `from` itself when the business is open then.
 * Null when no day in the next ~13 months opens (every weekday disabled).
 */
export function nextBusinessWindow(from: Date, settings: BusinessSettings): BusinessWindow | null {
  let date = localDateOf(from, settings.timezone);
  for (let day = 0; day < SEARCH_DAYS; day += 1) {
    const plan = planDay(date, settings);
    if (plan.open && plan.window.end > from) {
      return { start: plan.window.start > from ? plan.window.start : new Date(from), end: plan.window.end };
    }
    date = nextDate(date);
  }
  return null;
}

export interface CapacityCheck {
  allowed: boolean;
  code?: 'capacity_exceeded';
  reason?: string;
  warning?: string;
}

/** Today's total after adding `adding` items, against the target (warning) and the capacity (refusal). */
export function checkCapacity(todayCount: number, adding: number, settings: BusinessSettings): CapacityCheck {
  const total = todayCount + adding;
  if (total > settings.max_capacity) {
    return { allowed: false, code: 'capacity_exceeded', reason: `Daily capacity exceeded (${total}/${settings.max_capacity})` };
  }
  if (total > settings.daily_target) {
    return { allowed: true, warning: `Exceeding daily target (${total}/${settings.daily_target})` };
  }
  return { allowed: true };
}

/** Start and end of the admin's local calendar day containing `at`, as instants. */
export function localDayBounds(at: Date, timezone: string): BusinessWindow {
  const date = localDateOf(at, timezone);
  return { start: fromZonedTime(`${date}T00:00:00`, timezone), end: fromZonedTime(`${nextDate(date)}T00:00:00`, timezone) };
}

export interface QueueOperation {
  leadIds: string[];
  priority?: 'low' | 'normal' | 'high' | 'immediate';
  scheduledFor?: Date;
}

export interface ValidationResult {
  allowed: boolean;
  code?: RuleCode;
  reason?: string;
  warning?: string;
  /** When refused for the window: the next open stretch, so the caller can offer it. */
  nextWindow?: BusinessWindow | null;
}

export interface ValidationContext {
  settings: BusinessSettings;
  now: Date;
  /** Items already counted against today's capacity. */
  todayCount: number;
}

/** The spec's checks in its order: business hours (with holidays and closed days), then capacity. */
export function validateOperation(operation: QueueOperation, context: ValidationContext): ValidationResult {
  const at = operation.scheduledFor ?? context.now;
  const window = checkWindow(at, context.settings);
  if (!window.allowed) {
    return { allowed: false, code: window.code, reason: window.reason, nextWindow: nextBusinessWindow(at, context.settings) };
  }
  const capacity = checkCapacity(context.todayCount, operation.leadIds.length, context.settings);
  if (!capacity.allowed) return { allowed: false, code: capacity.code, reason: capacity.reason };
  return capacity.warning ? { allowed: true, warning: capacity.warning } : { allowed: true };
}
