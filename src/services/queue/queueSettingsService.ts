import { supabase } from '@/integrations/supabase/client';
import { parseResponse, ServiceError, unwrap } from '@/services/errors';
import { StoredSettingsRow } from '@/services/queue/schemas';
import type { AdminSettings, ProcessorDefaults, QueueSettings, StoredQueueSettings } from '@/types/queue';

const COLUMNS =
  'timezone, business_hours, holiday_calendar, closed_dates, short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, retention_days, processing_state, last_processor_run_at';

/**
 * The settings rows of the client the user may read, oldest admin first: an admin's own row, or for a
 * manager every admin's row of the client (RLS decides).
 */
export async function listAdminSettings(clientId: string): Promise<AdminSettings[]> {
  const rows = unwrap(
    await supabase.from('user_queue_settings').select(`user_id, ${COLUMNS}`).eq('client_id', clientId).order('created_at').order('user_id').limit(200),
  );
  return rows.map(({ user_id, ...settings }) => ({ userId: user_id, settings: parseResponse(StoredSettingsRow, settings, 'settings row') }));
}

/** Writes the editable settings of the admin's own row for this client (created with the membership, so updated here). */
export async function saveSettings(userId: string, clientId: string, settings: QueueSettings): Promise<StoredQueueSettings> {
  // Only the columns an admin may write (column grants).
  const row = {
    timezone: settings.timezone,
    business_hours: settings.business_hours,
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
  const [updated] = unwrap(
    await supabase.from('user_queue_settings').update(row).eq('user_id', userId).eq('client_id', clientId).select(COLUMNS),
  );
  // RLS hides every row but an admin's own: none updated means this user may not change settings.
  if (!updated) throw new ServiceError('forbidden', 'No settings row this user may update');
  return parseResponse(StoredSettingsRow, updated, 'settings row');
}

/** The environment's pacing values: what an empty batch size, delay or rate means. */
export async function getProcessorDefaults(): Promise<ProcessorDefaults | null> {
  const rows = unwrap(await supabase.rpc('processor_defaults'));
  return (Array.isArray(rows) ? rows[0] : rows) ?? null;
}
