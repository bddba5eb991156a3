import { formatInTimeZone } from 'date-fns-tz';
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

export type RuleCode = 'business_closed' | 'outside_business_hours' | 'holiday' | 'capacity_exceeded' | 'invalid_timezone';

export interface BusinessWindow {
  start: Date;
  end: Date;
}

/**
 * What one local calendar day allows: open from the minute `hours.start` names through the minute `hours.end` names
 * (the spec compares HH:MM, so 09:00-17:00 takes 17:00:59 and refuses 17:01; "24:00" runs to midnight), or closed.
 */
export type DayPlan =
  | { open: true; date: string; weekday: Weekday; window: BusinessWindow; hours: { start: string; end: string } }
  | { open: false; date: string; weekday: Weekday; code: 'business_closed' | 'holiday'; reason: string };

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Whether this runtime's Intl can use the zone (Postgres knows names, posix/… among them, that Intl refuses). */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return timezone.length > 0;
  } catch {
    return false;
  }
}

function unknownZone(timezone: string): WindowCheck {
  return { allowed: false, code: 'invalid_timezone', reason: `Unknown time zone: ${timezone}` };
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at `ms`, in ms, from the wall clock Intl shows there (date-fns-tz's getTimezoneOffset lags an hour behind a fall-back switch). */
function offsetAt(timezone: string, ms: number): number {
  let format = clockFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    clockFormats.set(timezone, format);
  }
  const part = Object.fromEntries(format.formatToParts(new Date(ms)).map((each) => [each.type, Number(each.value)]));
  const wall = Date.UTC(part.year ?? 0, (part.month ?? 1) - 1, part.day ?? 1, part.hour ?? 0, part.minute ?? 0, part.second ?? 0);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a local date and time, read as PostgreSQL reads `timestamp at time zone`: from the first offset
 * change after the day before, a time in a DST gap takes the offset before the jump (02:30 becomes 03:30), a repeated
 * time the offset after it (its later occurrence). SQL's next_window reads window edges the same way.
 */
export function zonedInstant(date: string, time: string, timezone: string): Date {
  const local = Date.parse(`${date}T${time}:00Z`);
  const from = local - DAY_MS;
  const before = offsetAt(timezone, from);
  let low = from;
  let high = local + 2 * DAY_MS;
  if (offsetAt(timezone, high) === before) return new Date(local - before);
  // The first offset change after `from`, to the millisecond.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(timezone, middle) === before) low = middle;
    else high = middle;
  }
  const boundary = high;
  const after = offsetAt(timezone, boundary);
  const beforeTime = local - before;
  const afterTime = local - after;
  if (beforeTime < boundary && afterTime < boundary) return new Date(beforeTime);
  if (beforeTime >= boundary && afterTime >= boundary) return new Date(afterTime);
  return new Date(beforeTime > afterTime ? beforeTime : afterTime);
}

function weekdayOf(date: string): Weekday {
  return WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()] ?? 'sunday';
}

/** The business day (`YYYY-MM-DD`) that `at` falls on in the admin's zone. */
export function localDateOf(at: Date, timezone: string): string {
  return formatInTimeZone(at, timezone, 'yyyy-MM-dd');
}

function zoneLabel(timezone: string): string {
  // The spec's messages say IST for Israel whatever the season; other zones are named as configured.
  return timezone === 'Asia/Jerusalem' ? 'IST' : timezone;
}

/** The opening hours of one local date under these settings. */
export function planDay(date: string, settings: BusinessSettings): DayPlan {
  const weekday = weekdayOf(date);
  const rule = settings.business_hours[weekday];
  const closed = { open: false as const, date, weekday, code: 'business_closed' as const, reason: `Cannot schedule for ${weekday} - business closed` };
  if (!rule?.enabled) return closed;
  if (settings.closed_dates.includes(date)) {
    return { ...closed, reason: `Cannot schedule for ${date} - business closed` };
  }
  if (settings.holiday_calendar === 'IL') {
    const holiday = israeliHoliday(date);
    if (holiday) {
      return { open: false, date, weekday, code: 'holiday', reason: `Cannot schedule on holidays (${holiday.name})` };
    }
  }
  const start = rule.start && TIME.test(rule.start) ? rule.start : '09:00';
  let end = rule.end && END_TIME.test(rule.end) ? rule.end : '17:00';
  if (settings.holiday_calendar === 'IL' && settings.short_erev_chag && TIME.test(settings.erev_chag_end) && settings.erev_chag_end < end && israeliErevChag(date)) {
    end = settings.erev_chag_end;
  }
  if (end < start) return closed;
  const window = {
    start: zonedInstant(date, start, settings.timezone),
    end: end === '24:00' ? zonedInstant(nextDate(date), '00:00', settings.timezone) : new Date(zonedInstant(date, end, settings.timezone).getTime() + MINUTE_MS),
  };
  return { open: true, date, weekday, window, hours: { start, end } };
}

export interface WindowCheck {
  allowed: boolean;
  code?: RuleCode;
  reason?: string;
}

/** Whether `at` is inside the admin's open hours (by the local clock's HH:MM, as the spec compares), and why not. */
export function checkWindow(at: Date, settings: BusinessSettings): WindowCheck {
  if (!isKnownTimeZone(settings.timezone)) return unknownZone(settings.timezone);
  const [date = '', clock = ''] = formatInTimeZone(at, settings.timezone, 'yyyy-MM-dd HH:mm').split(' ');
  const plan = planDay(date, settings);
  if (!plan.open) return { allowed: false, code: plan.code, reason: plan.reason };
  if (clock < plan.hours.start || (plan.hours.end !== '24:00' && clock > plan.hours.end)) {
    return {
      allowed: false,
      code: 'outside_business_hours',
      reason: `Outside business hours (${plan.hours.start}-${plan.hours.end} ${zoneLabel(settings.timezone)})`,
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
 * Null when no day in the next 400 opens (every weekday disabled) or the zone is unknown.
 */
export function nextBusinessWindow(from: Date, settings: BusinessSettings): BusinessWindow | null {
  if (!isKnownTimeZone(settings.timezone)) return null;
  let date = localDateOf(from, settings.timezone);
  for (let day = 0; day < SEARCH_DAYS; day += 1) {
    const plan = planDay(date, settings);
    // A day whose hours fall inside a DST gap opens and closes at one instant: no window, look further.
    const start = plan.open ? new Date(Math.max(plan.window.start.getTime(), from.getTime())) : null;
    if (plan.open && start && plan.window.end > start) return { start, end: plan.window.end };
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
  return { start: zonedInstant(date, '00:00', timezone), end: zonedInstant(nextDate(date), '00:00', timezone) };
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
