import { supabase } from '@/integrations/supabase/client';
import { ServiceError, unwrap } from '@/services/errors';
import type { Json } from '@shared/database.ts';
import type { ClosedDay, QueueSettings, StoredQueueSettings } from '@/types/queue';

const COLUMNS =
  'timezone, business_hours, holiday_calendar, closed_dates, short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, retention_days, processing_state, last_processor_run_at';

/**
 * The user's own settings row; for a manager (who has none) the first admin's row of the client,
 * which RLS lets managers read, so previews follow the rules the queue really runs under.
 */
export async function getSettings(userId: string, clientId: string): Promise<StoredQueueSettings | null> {
  const { data, error } = await supabase
    .from('user_queue_settings')
    .select(`user_id, ${COLUMNS}`)
    .eq('client_id', clientId)
    .order('created_at')
    .limit(20);
  if (error) throw new ServiceError(error.message, error.code);
  const rows = (data ?? []) as unknown as (StoredQueueSettings & { user_id: string })[];
  const row = rows.find((candidate) => candidate.user_id === userId) ?? rows[0];
  if (!row) return null;
  const { user_id: _owner, ...settings } = row;
  return settings;
}

/** Writes the editable settings; creates the row on first save. */
export async function saveSettings(userId: string, clientId: string, settings: QueueSettings): Promise<StoredQueueSettings> {
  // Only the columns an admin may write (column grants); business_hours is jsonb, Json to the types.
  const row = {
    timezone: settings.timezone,
    business_hours: settings.business_hours as unknown as NonNullable<Json>,
    holiday_calendar: settings.holiday_calendar,
    closed_dates: settings.closed_dates,
    short_erev_chag: settings.short_erev_chag,
    erev_chag_end: settings.erev_chag_end,
    daily_target: settings.daily_target,
    max_capacity: settings.max_capacity,
    batch_size: settings.batch_size,
    processing_delay_ms: settings.processing_delay_ms,
    rate_limit_per_hour: settings.rate_limit_per_hour,
    retention_days: settings.retention_days,
  };
  const updated = unwrap(await supabase.from('user_queue_settings').update(row).eq('user_id', userId).select(COLUMNS)) as unknown as StoredQueueSettings[];
  if (updated[0]) return updated[0];
  const inserted = unwrap(
    await supabase.from('user_queue_settings').insert({ ...row, user_id: userId, client_id: clientId }).select(COLUMNS).single(),
  );
  return inserted as unknown as StoredQueueSettings;
}

export async function listClosedDays(calendar: string, year: number): Promise<ClosedDay[]> {
  const rows = unwrap(
    await supabase
      .from('calendar_closed_days')
      .select('day, name, kind')
      .eq('calendar', calendar)
      .gte('day', `${year}-01-01`)
      .lte('day', `${year}-12-31`)
      .order('day'),
  );
  return rows as ClosedDay[];
}
