-- retention: the daily purge (pg_cron's queue-purge job on hosted Supabase, the cron stand-in locally) bounds the
-- audit log too. Audit rows older than their client's retention go: the longest retention_days among the client's
-- admins' settings rows (every admin keeps what they were promised; 30 days for a client without any). Finished
-- items older than their (admin, client) settings' retention_days go as before, and the Agent DB callback receipts
-- after 30 days (the Agent DB forgets its own webhook-ids after 30 days too). Security definer: the audit log is
-- append-only for every role, the service role included; only this purge deletes from it.

drop function public.purge_expired_queue_items();
create function public.purge_expired_queue_items() returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  items integer;
  audit_rows integer;
  receipts integer;
begin
  delete from public.whatsapp_message_queue q
   using public.user_queue_settings s
   where s.user_id = q.user_id and s.client_id = q.client_id
     and q.status in ('sent', 'failed', 'cancelled')
     and coalesce(q.processed_at, q.updated_at) < now() - make_interval(days => s.retention_days);
  get diagnostics items = row_count;

  delete from public.queue_audit_log a
   using (select c.id, coalesce(max(s.retention_days), 30) as days
            from public.clients c left join public.user_queue_settings s on s.client_id = c.id
           group by c.id) r
   where a.client_id = r.id and a.created_at < now() - make_interval(days => r.days);
  get diagnostics audit_rows = row_count;

  delete from private.agent_event_receipts e where e.received_at < now() - interval '30 days';
  get diagnostics receipts = row_count;

  return jsonb_build_object('items', items, 'audit_rows', audit_rows, 'receipts', receipts);
end
$$;

revoke all on function public.purge_expired_queue_items() from public, anon, authenticated;
grant execute on function public.purge_expired_queue_items() to service_role;
