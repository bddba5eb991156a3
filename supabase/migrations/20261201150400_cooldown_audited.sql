-- cooldown_days is a setting an admin changes: issue 13's triggers name their columns (so the processor's bookkeeping
-- on the row is neither audited nor stamps updated_at), and cooldown_days came after them, so it joins both lists.
drop trigger user_queue_settings_audit_changes on public.user_queue_settings;
create trigger user_queue_settings_audit_changes after update of timezone, business_hours, holiday_calendar, closed_dates,
  short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, retention_days,
  cooldown_days
  on public.user_queue_settings for each row execute function private.audit_settings_change();
drop trigger user_queue_settings_touch_updated_at on public.user_queue_settings;
create trigger user_queue_settings_touch_updated_at before update of timezone, business_hours, holiday_calendar, closed_dates,
  short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, retention_days,
  cooldown_days, processing_state on public.user_queue_settings for each row execute function private.touch_updated_at();
