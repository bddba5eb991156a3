-- triggers: timestamps, the queue state machine (defence in depth behind the column grants), default
-- settings for new admins, the audit trail (queue items, processing state, and what a delete of a client or
-- a user does to it) and the hourly metrics rollup.

create function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger leads_touch_updated_at before update on public.leads
  for each row execute function private.touch_updated_at();
create trigger user_queue_settings_touch_updated_at before update on public.user_queue_settings
  for each row execute function private.touch_updated_at();

-- Legal transitions (DESIGN.md §2). Same-status updates are edits or lease renewals.
create function private.is_legal_transition(from_status public.queue_item_status, to_status public.queue_item_status)
returns boolean
language sql immutable
set search_path = ''
as $$
  select from_status = to_status or (from_status, to_status) in (
    ('pending'::public.queue_item_status, 'queued'::public.queue_item_status),
    ('pending', 'cancelled'),
    ('pending', 'processing'),
    ('queued', 'processing'),
    ('queued', 'pending'),
    ('queued', 'failed'),
    ('queued', 'cancelled'),
    ('processing', 'sent'),
    ('processing', 'pending'),
    ('processing', 'failed'),
    ('processing', 'queued'),
    ('sent', 'failed'),
    ('failed', 'pending')
  )
$$;

create function private.guard_queue_transition() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not private.is_legal_transition(old.status, new.status) then
    raise exception 'Illegal queue transition % -> %', old.status, new.status
      using errcode = 'LQ409', detail = 'illegal_transition', hint = 'See the state machine in DESIGN.md';
  end if;
  if new.lead_id <> old.lead_id or new.client_id <> old.client_id or new.user_id <> old.user_id then
    raise exception 'A queue item cannot move to another lead, client or admin'
      using errcode = 'LQ409', detail = 'immutable_owner';
  end if;
  new.updated_at := now();
  return new;
end
$$;

create trigger whatsapp_message_queue_guard before update on public.whatsapp_message_queue
  for each row execute function private.guard_queue_transition();

-- Every admin gets a settings row with the spec's defaults.
create function private.create_admin_settings() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.role = 'admin' then
    insert into public.user_queue_settings (user_id, client_id)
    values (new.user_id, new.client_id)
    on conflict (user_id) do nothing;
  end if;
  return null;
end
$$;

create trigger client_members_create_admin_settings after insert on public.client_members
  for each row execute function private.create_admin_settings();

-- The hourly rollup is sharded per backend over 1024 slots: readers sum, concurrent writers of one admin
-- (almost) never share a row lock.
create function private.metrics_shard() returns smallint
language sql stable
set search_path = ''
as $$ select (pg_backend_pid() % 1024)::smallint $$;

-- Audit + metrics for inserted items: one statement, one pass over the transition table.
create function private.record_queue_inserts() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, to_status, details)
  select n.client_id, n.user_id, auth.uid(), n.id, 'enqueued', n.status,
         jsonb_build_object('priority', n.priority, 'scheduled_for', n.scheduled_for)
  from new_rows n;

  insert into public.queue_performance_metrics as m (user_id, client_id, hour, shard, queued)
  select n.user_id, n.client_id, date_trunc('hour', n.created_at), private.metrics_shard(), count(*)
  from new_rows n
  group by 1, 2, 3
  on conflict (user_id, hour, shard) do update set queued = m.queued + excluded.queued;
  return null;
end
$$;

create trigger whatsapp_message_queue_record_inserts after insert on public.whatsapp_message_queue
  referencing new table as new_rows
  for each statement execute function private.record_queue_inserts();

create function private.record_queue_transitions() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, from_status, to_status, details)
  select n.client_id, n.user_id, auth.uid(), n.id,
         case
           -- A dead worker's lease taken over: back to queued, or straight into processing (claimed with start_now).
           when o.status in ('queued', 'processing') and n.status in ('queued', 'processing')
                and (n.status = 'queued' or n.locked_by is distinct from o.locked_by) then 'lease_reclaimed'
           when n.status = 'queued' then 'claimed'
           -- From queued, or straight from pending when claimed with start_now (from_status says which).
           when n.status = 'processing' then 'started'
           when n.status = 'sent' then 'sent'
           when n.status = 'failed' and o.status = 'sent' then 'delivery_failed'
           when n.status = 'failed' then 'failed'
           when n.status = 'cancelled' then 'cancelled'
           when n.status = 'pending' and o.status = 'failed' then 'retried'
           when n.status = 'pending' and o.status = 'queued' and n.attempts < o.attempts then 'released'
           when n.status = 'pending' then 'retry_scheduled'
           else 'updated'
         end,
         o.status, n.status,
         jsonb_strip_nulls(jsonb_build_object(
           'worker', coalesce(n.locked_by, o.locked_by),
           'attempts', n.attempts,
           'error_code', case when n.status in ('pending', 'failed') then n.error_code end,
           'error', case when n.status in ('pending', 'failed') then n.last_error end,
           'next_attempt_at', case when n.status = 'pending' then n.next_attempt_at end
         ))
  from new_rows n
  join old_rows o on o.id = n.id
  where n.status <> o.status or (n.status in ('queued', 'processing') and n.locked_by is distinct from o.locked_by);

  insert into public.queue_performance_metrics as m (user_id, client_id, hour, shard, sent, failed, retried, cancelled, latency_ms_sum)
  select n.user_id, n.client_id, date_trunc('hour', coalesce(n.processed_at, now())), private.metrics_shard(),
         -- A delivery failure reported after 'sent' moves the item from sent to failed in the same hour.
         count(*) filter (where n.status = 'sent') - count(*) filter (where o.status = 'sent'),
         count(*) filter (where n.status = 'failed'),
         count(*) filter (where n.status = 'pending' and o.status in ('queued', 'processing') and n.attempts >= o.attempts),
         count(*) filter (where n.status = 'cancelled'),
         coalesce(sum((extract(epoch from n.processed_at - n.queued_at) * 1000)::bigint) filter (where n.status = 'sent'), 0)
           - coalesce(sum((extract(epoch from o.processed_at - o.queued_at) * 1000)::bigint) filter (where o.status = 'sent'), 0)
  from new_rows n
  join old_rows o on o.id = n.id
  where n.status <> o.status and n.status in ('sent', 'failed', 'pending', 'cancelled')
  group by 1, 2, 3
  on conflict (user_id, hour, shard) do update set
    sent = m.sent + excluded.sent,
    failed = m.failed + excluded.failed,
    retried = m.retried + excluded.retried,
    cancelled = m.cancelled + excluded.cancelled,
    latency_ms_sum = m.latency_ms_sum + excluded.latency_ms_sum;
  return null;
end
$$;

create trigger whatsapp_message_queue_record_transitions after update on public.whatsapp_message_queue
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.record_queue_transitions();

-- Starting and pausing processing is audited like the queue's transitions.
create function private.audit_processing_state() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.queue_audit_log (client_id, user_id, actor_id, action, details)
  values (new.client_id, new.user_id, auth.uid(), 'processing_' || new.processing_state::text, '{}');
  return null;
end
$$;

create trigger user_queue_settings_audit_state after update of processing_state on public.user_queue_settings
  for each row when (old.processing_state is distinct from new.processing_state)
  execute function private.audit_processing_state();

-- What the foreign keys did on delete: a deleted client takes its audit trail along, a deleted user
-- leaves the trail without their id.
create function private.forget_client_audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.queue_audit_log a where a.client_id = old.id;
  return null;
end
$$;
create trigger clients_forget_audit after delete on public.clients
  for each row execute function private.forget_client_audit();

create function private.forget_user_audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.queue_audit_log a set user_id = null where a.user_id = old.id;
  return null;
end
$$;
create trigger users_forget_audit after delete on auth.users
  for each row execute function private.forget_user_audit();

-- Trigger functions and the shard helper serve the triggers alone.
revoke all on function private.touch_updated_at(), private.guard_queue_transition(), private.create_admin_settings(),
  private.metrics_shard(), private.record_queue_inserts(), private.record_queue_transitions(),
  private.audit_processing_state(), private.forget_client_audit(), private.forget_user_audit() from public, anon;
-- The guard trigger runs as the user who edits a pending item.
revoke all on function private.is_legal_transition(public.queue_item_status, public.queue_item_status) from public, anon;
grant execute on function private.is_legal_transition(public.queue_item_status, public.queue_item_status)
  to authenticated, service_role;
