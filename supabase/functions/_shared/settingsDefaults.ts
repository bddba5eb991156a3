/**
 * The column defaults of `user_queue_settings` (supabase/migrations/20261201000200_tables.sql),
 * the spec's BusinessRules. No imports, so the SPA's initial bundle can use it without the calendar.
 */
export const QUEUE_SETTINGS_DEFAULTS = {
  timezone: 'Asia/Jerusalem',
  business_hours: {
    sunday: { enabled: true, start: '09:00', end: '17:00' },
    monday: { enabled: true, start: '09:00', end: '17:00' },
    tuesday: { enabled: true, start: '09:00', end: '17:00' },
    wednesday: { enabled: true, start: '09:00', end: '17:00' },
    thursday: { enabled: true, start: '09:00', end: '17:00' },
    friday: { enabled: false, start: '09:00', end: '13:00' },
    saturday: { enabled: false, start: '09:00', end: '17:00' },
  },
  holiday_calendar: 'IL' as const,
  closed_dates: [] as string[],
  short_erev_chag: false,
  erev_chag_end: '13:00',
  daily_target: 45,
  max_capacity: 200,
  // Null: the environment's QUEUE_BATCH_SIZE / QUEUE_PROCESSING_DELAY / WHATSAPP_RATE_LIMIT_PER_HOUR apply.
  batch_size: null as number | null,
  processing_delay_ms: null as number | null,
  rate_limit_per_hour: null as number | null,
  retention_days: 30,
};

/**
 * The inclusive bounds the `settings_*_range` check constraints of `user_queue_settings` allow, so a form
 * that accepts a value never sends one the database refuses (tests/db/schema.test.ts reads the constraints).
 */
export const QUEUE_SETTINGS_LIMITS = {
  daily_target: { min: 1, max: 100000 },
  max_capacity: { min: 1, max: 100000 },
  batch_size: { min: 1, max: 100 },
  processing_delay_ms: { min: 0, max: 60000 },
  rate_limit_per_hour: { min: 1, max: 100000 },
  retention_days: { min: 1, max: 3650 },
} as const;

/** How many own closed dates a row may hold (`settings_closed_dates_bounded`). */
export const MAX_CLOSED_DATES = 366;

/** How many leads one queue-leads call takes (its input schema); the lead grid says so before sending more. */
export const MAX_LEADS_PER_REQUEST = 1000;
