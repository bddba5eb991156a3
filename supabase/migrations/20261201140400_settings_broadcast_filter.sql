-- settings broadcasts only for what the processing card shows: the processor now writes its bookkeeping (lease,
-- next_send_at, last_served_at) on the settings row with every lease and every claim, and the statement trigger of
-- 20261201130100_queue_broadcasts.sql broadcast every such update to the client's topic.
create function private.broadcast_settings_updates() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.broadcast_queue_rows('user_queue_settings', tg_op, jsonb_agg(jsonb_build_object(
    'user_id', n.user_id, 'client_id', n.client_id, 'processing_state', n.processing_state,
    'last_processor_run_at', n.last_processor_run_at)))
  from new_rows n
  join old_rows o on o.user_id = n.user_id and o.client_id = n.client_id
  where (n.processing_state, n.last_processor_run_at) is distinct from (o.processing_state, o.last_processor_run_at)
  having count(*) > 0;
  return null;
end
$$;
revoke all on function private.broadcast_settings_updates() from public, anon, authenticated;

drop trigger user_queue_settings_broadcast_updates on public.user_queue_settings;
create trigger user_queue_settings_broadcast_updates after update on public.user_queue_settings
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.broadcast_settings_updates();
