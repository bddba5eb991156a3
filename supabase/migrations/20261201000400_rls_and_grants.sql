-- rls and grants: who may do what. RLS on every table, one policy per command, explicit grants; the
-- membership helpers the policies ask. anon: nothing. admin: own client's leads, own queue items (insert/edit
-- pending ones), own settings. manager: reads everything of the client, changes nothing. Status and
-- processor columns: service role only.

-- Membership helpers. Security definer so policies on client_members can use them without recursion;
-- they live in the unexposed private schema and only answer about the caller.
create function private.admin_client_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$ select client_id from public.client_members where user_id = (select auth.uid()) and role = 'admin' $$;

create function private.manager_client_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$ select client_id from public.client_members where user_id = (select auth.uid()) and role = 'manager' $$;

create function private.member_client_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$ select client_id from public.client_members where user_id = (select auth.uid()) $$;

revoke all on function private.admin_client_ids(), private.manager_client_ids(), private.member_client_ids() from public, anon;
grant execute on function private.admin_client_ids(), private.manager_client_ids(), private.member_client_ids()
  to authenticated, service_role;

-- Start from nothing: Supabase's default privileges grant everything in public to anon and authenticated.
revoke all on public.clients, public.client_members, public.leads, public.whatsapp_message_queue,
  public.user_queue_settings, public.queue_performance_metrics, public.queue_audit_log, public.calendar_closed_days
  from anon, authenticated, service_role, public;

grant select, insert, update, delete on public.clients, public.client_members, public.leads, public.whatsapp_message_queue,
  public.user_queue_settings, public.queue_performance_metrics, public.calendar_closed_days to service_role;
-- Append-only, even for the service role.
grant select, insert on public.queue_audit_log to service_role;
grant all on private.rate_buckets to service_role;

alter table public.clients enable row level security;
alter table public.client_members enable row level security;
alter table public.leads enable row level security;
alter table public.whatsapp_message_queue enable row level security;
alter table public.user_queue_settings enable row level security;
alter table public.queue_performance_metrics enable row level security;
alter table public.queue_audit_log enable row level security;
alter table public.calendar_closed_days enable row level security;
alter table private.rate_buckets enable row level security;

-- clients: members read their client.
grant select on public.clients to authenticated;
create policy "members read their client" on public.clients
  for select to authenticated using (id in (select private.member_client_ids()));

-- client_members: members see who else belongs to their client.
grant select on public.client_members to authenticated;
create policy "members read their client's members" on public.client_members
  for select to authenticated using (client_id in (select private.member_client_ids()));

-- leads: members read; admins manage their client's leads.
grant select on public.leads to authenticated;
grant insert (client_id, name, phone, email, opted_out_at) on public.leads to authenticated;
grant update (name, phone, email, opted_out_at) on public.leads to authenticated;
grant delete on public.leads to authenticated;
create policy "members read their client's leads" on public.leads
  for select to authenticated using (client_id in (select private.member_client_ids()));
create policy "admins add leads to their client" on public.leads
  for insert to authenticated with check (client_id in (select private.admin_client_ids()));
create policy "admins edit their client's leads" on public.leads
  for update to authenticated
  using (client_id in (select private.admin_client_ids()))
  with check (client_id in (select private.admin_client_ids()));
create policy "admins delete their client's leads" on public.leads
  for delete to authenticated using (client_id in (select private.admin_client_ids()));

-- queue: an admin reads their own items, a manager all of the client's. Admins insert pending items
-- for their client's leads and may edit priority/schedule/template while pending. No user column
-- grant covers status, attempts, lease or agent columns; moving on goes through the SQL API.
grant select on public.whatsapp_message_queue to authenticated;
grant insert (lead_id, client_id, user_id, priority, scheduled_for, message_template, message_variables)
  on public.whatsapp_message_queue to authenticated;
grant update (priority, scheduled_for, message_template, message_variables) on public.whatsapp_message_queue to authenticated;
create policy "admins read own items, managers their client's" on public.whatsapp_message_queue
  for select to authenticated
  using (user_id = (select auth.uid()) or client_id in (select private.manager_client_ids()));
create policy "admins queue their client's leads" on public.whatsapp_message_queue
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and client_id in (select private.admin_client_ids())
    and status = 'pending'
  );
create policy "admins edit own pending items" on public.whatsapp_message_queue
  for update to authenticated
  using (user_id = (select auth.uid()) and status = 'pending' and client_id in (select private.admin_client_ids()))
  with check (user_id = (select auth.uid()) and status = 'pending');

-- settings: admins read and edit their own row; managers read the client's.
grant select on public.user_queue_settings to authenticated;
grant update (timezone, business_hours, holiday_calendar, closed_dates, short_erev_chag, erev_chag_end, daily_target,
  max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, processing_state, retention_days)
  on public.user_queue_settings to authenticated;
create policy "admins read own settings, managers their client's" on public.user_queue_settings
  for select to authenticated
  using (user_id = (select auth.uid()) or client_id in (select private.manager_client_ids()));
create policy "admins edit own settings" on public.user_queue_settings
  for update to authenticated
  using (user_id = (select auth.uid()) and client_id in (select private.admin_client_ids()))
  with check (user_id = (select auth.uid()) and client_id in (select private.admin_client_ids()));

-- metrics: read-only rollup.
grant select on public.queue_performance_metrics to authenticated;
create policy "admins read own metrics, managers their client's" on public.queue_performance_metrics
  for select to authenticated
  using (user_id = (select auth.uid()) or client_id in (select private.manager_client_ids()));

-- audit: read-only for users; written by triggers and the service role only.
grant select on public.queue_audit_log to authenticated;
create policy "admins read own audit, managers their client's" on public.queue_audit_log
  for select to authenticated
  using (user_id = (select auth.uid()) or client_id in (select private.manager_client_ids()));

-- holiday calendars are public knowledge for signed-in users.
grant select on public.calendar_closed_days to authenticated;
create policy "signed-in users read holiday calendars" on public.calendar_closed_days
  for select to authenticated using (true);
