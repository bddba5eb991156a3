-- queue broadcasts: the live dashboard listens to Broadcast from the database instead of postgres_changes,
-- which re-reads every change under every subscriber's RLS, in order, on one thread. Statement triggers on the
-- queue, the settings and the clients' sending pause send one private message per topic and statement with
-- realtime.send; RLS on realtime.messages decides once, when a channel joins, who may listen to a topic:
--   queue:client:<client_id>                  the client's managers: every change of the client
--   queue:client:<client_id>:admin:<user_id>  that admin while an admin of that client: their own items and
--                                             settings, and the client's sending pause
-- A change is routed to an admin's topic only while that admin is an admin of the item's client, so a removed
-- admin's open channel gets nothing more; Realtime closes it when the token is next refreshed (policies are
-- re-checked then). Work per change is a lookup of the client's members and one insert per topic, whatever the
-- number of subscribers. The queue and the settings leave the supabase_realtime publication: nothing listens
-- with postgres_changes any more, and a stale subscriber must not bring that cost back.

-- Topic names in one place: the triggers send to them, the policy lets members listen to them.
create function private.queue_topic(client_id uuid, admin_id uuid default null) returns text
language sql immutable
set search_path = ''
as $$ select 'queue:client:' || client_id::text || coalesce(':admin:' || admin_id::text, '') $$;

-- Sends `rows` (jsonb objects with client_id and user_id) as `event` to the topics allowed to see them: the
-- client's managers' (when the client has any) and each row's admin's (while an admin of that client).
-- One message per topic carries the operation, the row count and the first 100 rows in id order.
create function private.broadcast_queue_rows(event text, operation text, rows jsonb) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.send(
    jsonb_build_object(
      'operation', operation,
      'count', t.row_count,
      'rows', to_jsonb(t.some_rows[1:100]),
      'truncated', t.row_count > 100
    ),
    event, t.topic, true)
  from (
    select private.queue_topic(r.client_id) as topic, count(*) as row_count,
           array_agg(r.value order by r.value ->> 'id', r.value ->> 'user_id') as some_rows
      from (select (x ->> 'client_id')::uuid as client_id, x as value from jsonb_array_elements(rows) x) r
     where exists (select 1 from public.client_members m where m.client_id = r.client_id and m.role = 'manager')
     group by r.client_id
    union all
    select private.queue_topic(r.client_id, r.user_id), count(*),
           array_agg(r.value order by r.value ->> 'id', r.value ->> 'user_id')
      from (select (x ->> 'client_id')::uuid as client_id, (x ->> 'user_id')::uuid as user_id, x as value
              from jsonb_array_elements(rows) x) r
      join public.client_members m on m.client_id = r.client_id and m.user_id = r.user_id and m.role = 'admin'
     group by r.client_id, r.user_id
  ) t;
end
$$;

create function private.broadcast_queue_inserts() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.broadcast_queue_rows('whatsapp_message_queue', 'INSERT', jsonb_agg(jsonb_build_object(
    'id', n.id, 'lead_id', n.lead_id, 'client_id', n.client_id, 'user_id', n.user_id, 'status', n.status, 'old_status', null)))
  from new_rows n
  having count(*) > 0;
  return null;
end
$$;

create function private.broadcast_queue_updates() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.broadcast_queue_rows('whatsapp_message_queue', 'UPDATE', jsonb_agg(jsonb_build_object(
    'id', n.id, 'lead_id', n.lead_id, 'client_id', n.client_id, 'user_id', n.user_id, 'status', n.status, 'old_status', o.status)))
  from new_rows n
  join old_rows o on o.id = n.id
  having count(*) > 0;
  return null;
end
$$;

create function private.broadcast_queue_deletes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.broadcast_queue_rows('whatsapp_message_queue', 'DELETE', jsonb_agg(jsonb_build_object(
    'id', o.id, 'lead_id', o.lead_id, 'client_id', o.client_id, 'user_id', o.user_id, 'status', null, 'old_status', o.status)))
  from old_rows o
  having count(*) > 0;
  return null;
end
$$;

create trigger whatsapp_message_queue_broadcast_inserts after insert on public.whatsapp_message_queue
  referencing new table as new_rows
  for each statement execute function private.broadcast_queue_inserts();
create trigger whatsapp_message_queue_broadcast_updates after update on public.whatsapp_message_queue
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.broadcast_queue_updates();
create trigger whatsapp_message_queue_broadcast_deletes after delete on public.whatsapp_message_queue
  referencing old table as old_rows
  for each statement execute function private.broadcast_queue_deletes();

-- Settings: the processing card shows each admin's state and the processor's last run.
create function private.broadcast_settings_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    perform private.broadcast_queue_rows('user_queue_settings', tg_op, jsonb_agg(jsonb_build_object(
      'user_id', o.user_id, 'client_id', o.client_id, 'processing_state', null, 'last_processor_run_at', null)))
    from old_rows o
    having count(*) > 0;
  else
    perform private.broadcast_queue_rows('user_queue_settings', tg_op, jsonb_agg(jsonb_build_object(
      'user_id', n.user_id, 'client_id', n.client_id, 'processing_state', n.processing_state,
      'last_processor_run_at', n.last_processor_run_at)))
    from new_rows n
    having count(*) > 0;
  end if;
  return null;
end
$$;

create trigger user_queue_settings_broadcast_inserts after insert on public.user_queue_settings
  referencing new table as new_rows
  for each statement execute function private.broadcast_settings_changes();
create trigger user_queue_settings_broadcast_updates after update on public.user_queue_settings
  referencing new table as new_rows
  for each statement execute function private.broadcast_settings_changes();
create trigger user_queue_settings_broadcast_deletes after delete on public.user_queue_settings
  referencing old table as old_rows
  for each statement execute function private.broadcast_settings_changes();

-- The client's sending pause (Retry-After from the Agent DB) concerns every member; it is rare, so the one
-- message per admin costs nothing that matters.
create function private.broadcast_client_pause() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  message jsonb := jsonb_build_object('operation', 'UPDATE', 'count', 1, 'truncated', false, 'rows', jsonb_build_array(
    jsonb_build_object('client_id', new.id, 'sending_paused_until', new.sending_paused_until)));
begin
  perform realtime.send(message, 'clients', private.queue_topic(new.id), true)
  where exists (select 1 from public.client_members m where m.client_id = new.id and m.role = 'manager');
  perform realtime.send(message, 'clients', private.queue_topic(new.id, m.user_id), true)
  from public.client_members m
  where m.client_id = new.id and m.role = 'admin';
  return null;
end
$$;

create trigger clients_broadcast_pause after update of sending_paused_until on public.clients
  for each row when (old.sending_paused_until is distinct from new.sending_paused_until)
  execute function private.broadcast_client_pause();

-- Who may listen: a manager to the client's topic, an admin to their own topic of that client. Realtime asks
-- this at join (and when the token is refreshed) with realtime.topic() set; nobody may broadcast or track
-- presence on these topics (no insert policy), and messages are never readable through the REST API (the
-- realtime schema is not exposed).
create policy "members listen to their queue topics" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension = 'broadcast'
    and (
      (select realtime.topic()) in (select private.queue_topic(c) from private.manager_client_ids() c)
      or (select realtime.topic()) in (select private.queue_topic(c, (select auth.uid())) from private.admin_client_ids() c)
    )
  );

alter publication supabase_realtime drop table public.whatsapp_message_queue, public.user_queue_settings;

revoke all on function private.broadcast_queue_rows(text, text, jsonb), private.broadcast_queue_inserts(),
  private.broadcast_queue_updates(), private.broadcast_queue_deletes(), private.broadcast_settings_changes(),
  private.broadcast_client_pause() from public, anon, authenticated;
revoke all on function private.queue_topic(uuid, uuid) from public, anon;
grant execute on function private.queue_topic(uuid, uuid) to authenticated, service_role;
