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
  batch_size: 10,
  processing_delay_ms: 2000,
  rate_limit_per_hour: 1000,
  retention_days: 30,
  cooldown_days: 30,
};
