import { WEEKDAYS } from '../../supabase/functions/_shared/businessRules.ts';
import type { Database } from '../../supabase/functions/_shared/database.ts';
import type { Queryable } from './queueItems.ts';
import { DEMO_ADMIN_ID } from './seed.ts';

/** Columns of the demo admin's `user_queue_settings` a test sets on top of the seed's. */
export type SettingsChange = Omit<Database['public']['Tables']['user_queue_settings']['Update'], 'user_id' | 'client_id'>;

/** Open every hour of every day, holidays included: tests of anything but the window pass at any hour. */
export const ALWAYS_OPEN = {
  holiday_calendar: 'none',
  business_hours: Object.fromEntries(WEEKDAYS.map((day) => [day, { enabled: true, start: '00:00', end: '24:00' }])),
} satisfies SettingsChange;

const SETTINGS_COLUMNS = [
  'timezone', 'business_hours', 'holiday_calendar', 'closed_dates', 'short_erev_chag', 'erev_chag_end', 'daily_target',
  'max_capacity', 'batch_size', 'processing_delay_ms', 'rate_limit_per_hour', 'retention_days', 'processing_state', 'cooldown_days',
];

/**
 * Back to the seed's state: no queue items, metrics, rate buckets or client pauses; every admin's
 * settings at the column defaults with the demo admin's queue running; then `change` for the demo admin.
 */
export async function resetQueueState(db: Queryable, change: SettingsChange = {}): Promise<void> {
  await db.query(`delete from public.whatsapp_message_queue`);
  await db.query(`delete from public.queue_performance_metrics`);
  await db.query(`delete from private.rate_buckets`);
  await db.query(`update public.clients set sending_paused_until = null where sending_paused_until is not null`);
  await db.query(`update public.user_queue_settings set ${SETTINGS_COLUMNS.map((column) => `${column} = default`).join(', ')}`);
  const settings: SettingsChange = { processing_state: 'running', ...change };
  const entries = Object.entries(settings);
  await db.query(
    `update public.user_queue_settings set ${entries.map(([column], index) => `${column} = $${index + 2}`).join(', ')} where user_id = $1`,
    [DEMO_ADMIN_ID, ...entries.map(([, value]) => value)],
  );
}
