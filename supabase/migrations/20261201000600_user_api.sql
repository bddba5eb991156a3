-- user api: what signed-in admins call. Security invoker: RLS and grants decide; the few steps that move an
-- item's status call private security-definer helpers that only act on the caller's own items.

create function private.local_day_bounds(at timestamptz, tz text, out day_start timestamptz, out day_end timestamptz)
language sql stable
set search_path = ''
as $$
  select (date_trunc('day', at at time zone tz)) at time zone tz,
         (date_trunc('day', at at time zone tz) + interval '1 day') at time zone tz
$$;

create function public.enqueue_leads(
  lead_ids uuid[],
  priority public.queue_priority default 'normal',
  scheduled_for timestamptz default now(),
  message_template text default 'initial_outreach',
  message_variables jsonb default '{}'
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  settings public.user_queue_settings;
  due timestamptz := coalesce(enqueue_leads.scheduled_for, now());
  requested integer;
  distinct_count integer;
  known_count integer;
  opted_out_count integer;
  already_active integer;
  to_insert integer;
  day_start timestamptz;
  day_end timestamptz;
  booked integer;
  inserted_ids uuid[];
  warning text;
begin
  if caller is null then
    raise exception 'Sign in to queue leads' using errcode = '42501';
  end if;
  requested := coalesce(cardinality(lead_ids), 0);
  if requested = 0 then
    raise exception 'Select at least one lead' using errcode = '22023', detail = 'invalid_input';
  end if;
  if requested > 10000 then
    raise exception 'At most 10000 leads per call (got %)', requested using errcode = '22023', detail = 'invalid_input';
  end if;

  -- The caller's own settings row, locked: concurrent calls by this admin queue one after another,
  -- so the capacity check below always sees what the previous call committed.
  select s.* into settings from public.user_queue_settings s
   where s.user_id = caller and s.client_id in (select private.admin_client_ids())
   for update;
  if not found then
    raise exception 'Only a client admin can queue leads' using errcode = '42501', detail = 'forbidden';
  end if;

  create temp table if not exists pg_temp.enqueue_candidates (lead_id uuid primary key, state text not null) on commit drop;
  truncate pg_temp.enqueue_candidates;
  insert into pg_temp.enqueue_candidates (lead_id, state)
  select i.lead_id,
         case
           when l.id is null then 'unknown'
           when l.opted_out_at is not null then 'opted_out'
           when exists (select 1 from public.whatsapp_message_queue a
                         where a.lead_id = l.id and a.status in ('pending', 'queued', 'processing')) then 'duplicate'
           else 'new'
         end
  from (select distinct u.lead_id from unnest(lead_ids) as u(lead_id) where u.lead_id is not null) i
  left join public.leads l on l.id = i.lead_id and l.client_id = settings.client_id;

  select count(*), count(*) filter (where c.state <> 'unknown'), count(*) filter (where c.state = 'opted_out'),
         count(*) filter (where c.state = 'duplicate'), count(*) filter (where c.state = 'new')
    into distinct_count, known_count, opted_out_count, already_active, to_insert
    from pg_temp.enqueue_candidates c;

  select b.day_start, b.day_end into day_start, day_end from private.local_day_bounds(due, settings.timezone) b;
  select count(*) into booked from public.whatsapp_message_queue q
   where q.user_id = caller and q.status in ('pending', 'queued', 'processing', 'sent')
     and q.scheduled_for >= day_start and q.scheduled_for < day_end;

  if to_insert > 0 and booked + to_insert > settings.max_capacity then
    raise exception 'Daily capacity exceeded (%/%)', booked + to_insert, settings.max_capacity
      using errcode = 'LQ422', detail = 'capacity_exceeded',
            hint = format('%s of %s already booked for %s', booked, settings.max_capacity, (due at time zone settings.timezone)::date);
  end if;
  if to_insert > 0 and booked + to_insert > settings.daily_target then
    warning := format('Exceeding daily target (%s/%s)', booked + to_insert, settings.daily_target);
  end if;

  with inserted as (
    insert into public.whatsapp_message_queue (lead_id, client_id, user_id, priority, scheduled_for, message_template, message_variables)
    select c.lead_id, settings.client_id, caller, coalesce(enqueue_leads.priority, 'normal'), due,
           coalesce(enqueue_leads.message_template, 'initial_outreach'), coalesce(enqueue_leads.message_variables, '{}')
      from pg_temp.enqueue_candidates c where c.state = 'new'
    -- Another admin of the client may have queued the same lead a moment ago.
    on conflict (lead_id) where status in ('pending', 'queued', 'processing') do nothing
    returning id
  )
  select coalesce(array_agg(id), '{}') into inserted_ids from inserted;

  return jsonb_build_object(
    'queued', cardinality(inserted_ids),
    'queue_ids', to_jsonb(inserted_ids),
    'skipped_duplicates', already_active + (to_insert - cardinality(inserted_ids)) + (requested - distinct_count),
    'skipped_opted_out', opted_out_count,
    'skipped_unknown', distinct_count - known_count,
    'warning', warning
  );
end
$$;

create function private.cancel_own_queue_items(ids uuid[]) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  changed integer;
begin
  if not exists (select 1 from private.admin_client_ids()) then
    raise exception 'Only a client admin can cancel queue items' using errcode = '42501', detail = 'forbidden';
  end if;
  update public.whatsapp_message_queue q
     set status = 'cancelled', locked_by = null, locked_until = null
   where q.id = any (ids) and q.user_id = (select auth.uid()) and q.status in ('pending', 'queued')
     and q.client_id in (select private.admin_client_ids());
  get diagnostics changed = row_count;
  return changed;
end
$$;

create function private.retry_own_queue_items(ids uuid[]) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  changed integer;
begin
  if not exists (select 1 from private.admin_client_ids()) then
    raise exception 'Only a client admin can retry queue items' using errcode = '42501', detail = 'forbidden';
  end if;
  update public.whatsapp_message_queue q
     set status = 'pending', attempts = 0, next_attempt_at = null, last_error = null, error_code = null,
         processed_at = null
   where q.id = any (ids) and q.user_id = (select auth.uid()) and q.status = 'failed'
     and q.client_id in (select private.admin_client_ids())
     -- Never a second active item for the same lead.
     and not exists (select 1 from public.whatsapp_message_queue a
                      where a.lead_id = q.lead_id and a.status in ('pending', 'queued', 'processing'));
  get diagnostics changed = row_count;
  return changed;
end
$$;

revoke all on function private.cancel_own_queue_items(uuid[]), private.retry_own_queue_items(uuid[]) from public, anon;
grant execute on function private.cancel_own_queue_items(uuid[]), private.retry_own_queue_items(uuid[]) to authenticated;

create function public.cancel_queue_items(ids uuid[]) returns integer
language sql
set search_path = ''
as $$ select private.cancel_own_queue_items(ids) $$;

create function public.retry_queue_items(ids uuid[]) returns integer
language sql
set search_path = ''
as $$ select private.retry_own_queue_items(ids) $$;

create function public.set_processing_state(state public.processing_state) returns public.processing_state
language plpgsql
set search_path = ''
as $$
declare
  result public.processing_state;
begin
  update public.user_queue_settings s set processing_state = state
   where s.user_id = (select auth.uid())
  returning s.processing_state into result;
  if result is null then
    raise exception 'Only a client admin can start or pause processing' using errcode = '42501', detail = 'forbidden';
  end if;
  return result;
end
$$;

revoke all on function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb),
  public.cancel_queue_items(uuid[]), public.retry_queue_items(uuid[]), public.set_processing_state(public.processing_state)
  from public, anon;
grant execute on function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb),
  public.cancel_queue_items(uuid[]), public.retry_queue_items(uuid[]), public.set_processing_state(public.processing_state)
  to authenticated, service_role;
grant execute on function private.local_day_bounds(timestamptz, text) to authenticated, service_role;
