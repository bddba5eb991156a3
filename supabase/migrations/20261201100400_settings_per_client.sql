-- settings per client: an admin of two clients has one settings row per client (that client's hours, pause and send
-- budget) and is processed once per client. Only a current admin sends: removing an admin from a client, or making
-- them a manager, pauses their processing for that client and hands back what a worker claimed but has not started.
-- Their settings row stays (paused): it is how the client's other admins find the items they left behind. Every change
-- of a setting is audited with its old and new value and who made it.

alter table public.user_queue_settings
  drop constraint user_queue_settings_pkey,
  add constraint user_queue_settings_pkey primary key (user_id, client_id);
-- The processor's list of running (admin, client) pairs.
drop index public.user_queue_settings_running_idx;
create index user_queue_settings_running_idx on public.user_queue_settings (user_id, client_id) where processing_state = 'running';

-- Every admin membership gets a settings row with the spec's defaults: on joining as admin, or on becoming one.
create or replace function private.create_admin_settings() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.role = 'admin' then
    insert into public.user_queue_settings (user_id, client_id)
    values (new.user_id, new.client_id)
    on conflict (user_id, client_id) do nothing;
  end if;
  return null;
end
$$;

create trigger client_members_promote_admin_settings after update of role on public.client_members
  for each row when (new.role = 'admin' and old.role is distinct from 'admin')
  execute function private.create_admin_settings();

-- An admin who leaves the client or becomes a manager stops sending for it at once.
create function private.end_admin_membership() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  waiting integer;
begin
  update public.user_queue_settings s set processing_state = 'paused'
   where s.user_id = old.user_id and s.client_id = old.client_id and s.processing_state <> 'paused';
  -- Claimed but not started: back to pending (without spending the attempt), so no worker starts them.
  update public.whatsapp_message_queue q
     set status = 'pending', locked_by = null, locked_until = null, attempts = greatest(q.attempts - 1, 0)
   where q.user_id = old.user_id and q.client_id = old.client_id and q.status = 'queued';
  select count(*) into waiting from public.whatsapp_message_queue q
   where q.user_id = old.user_id and q.client_id = old.client_id and q.status in ('pending', 'queued', 'processing');
  insert into public.queue_audit_log (client_id, user_id, actor_id, action, details)
  values (old.client_id, old.user_id, auth.uid(), case when tg_op = 'DELETE' then 'admin_removed' else 'admin_demoted' end,
          jsonb_build_object('waiting_items', waiting));
  return null;
end
$$;

create trigger client_members_end_admin after delete on public.client_members
  for each row when (old.role = 'admin')
  execute function private.end_admin_membership();
create trigger client_members_demote_admin after update of role on public.client_members
  for each row when (old.role = 'admin' and new.role is distinct from 'admin')
  execute function private.end_admin_membership();

-- Every other setting an admin (or the service role) changes: the old and the new value, and who changed it.
-- processing_state has its own audit row (processing_running / processing_paused); the processor's run stamp is no setting.
create function private.audit_settings_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  ignored text[] := array['user_id', 'client_id', 'processing_state', 'last_processor_run_at', 'created_at', 'updated_at'];
  changes jsonb;
begin
  select jsonb_object_agg(o.key, jsonb_build_object('old', o.value, 'new', n.value)) into changes
    from jsonb_each(to_jsonb(old) - ignored) o
    join jsonb_each(to_jsonb(new) - ignored) n on n.key = o.key
   where o.value is distinct from n.value;
  if changes is not null then
    insert into public.queue_audit_log (client_id, user_id, actor_id, action, details)
    values (new.client_id, new.user_id, auth.uid(), 'settings_changed', jsonb_build_object('changes', changes));
  end if;
  return null;
end
$$;

create trigger user_queue_settings_audit_changes after update on public.user_queue_settings
  for each row execute function private.audit_settings_change();

revoke all on function private.end_admin_membership(), private.audit_settings_change() from public, anon, authenticated;

-- Start or pause one's own processing for a client. With one client the argument may be left out.
drop function public.set_processing_state(public.processing_state);
create function public.set_processing_state(state public.processing_state, client_id uuid default null)
returns public.processing_state
language plpgsql
set search_path = ''
as $$
declare
  target uuid := set_processing_state.client_id;
  administered integer;
  result public.processing_state;
begin
  if target is null then
    select count(*), (array_agg(s.client_id))[1] into administered, target
      from public.user_queue_settings s
     where s.user_id = (select auth.uid()) and s.client_id in (select private.admin_client_ids());
    if administered > 1 then
      raise exception 'You are an admin of % clients: say which one (client_id)', administered
        using errcode = '22023', detail = 'ambiguous_client';
    end if;
  end if;
  update public.user_queue_settings s set processing_state = state
   where s.user_id = (select auth.uid()) and s.client_id = target
  returning s.processing_state into result;
  if result is null then
    raise exception 'Only a client admin can start or pause processing' using errcode = '42501', detail = 'forbidden';
  end if;
  return result;
end
$$;

revoke all on function public.set_processing_state(public.processing_state, uuid) from public, anon;
grant execute on function public.set_processing_state(public.processing_state, uuid) to authenticated, service_role;
