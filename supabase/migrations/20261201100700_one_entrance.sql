-- one entrance: new queue items come only through enqueue_leads, and enqueue_leads itself keeps every rule queue-leads
-- kept: the per-admin operation limit (the SQL token bucket), at most 1,000 leads per call, scheduled_for between a few
-- minutes of clock skew ago and a year ahead, business hours, holidays and closed days (optionally deferring to the next
-- window), daily capacity. A direct POST /rest/v1/rpc/enqueue_leads gets the same codes, messages and HTTP statuses as
-- queue-leads, which is now a thin wrapper. Direct inserts into the queue are refused (42501, 403).
--
-- A refusal is not a RAISE: that would roll back the audit row and the spent token with it, and a loop of bad requests
-- would then cost nothing. It sets PostgREST's response.status (and Retry-After through response.headers), returns
-- {code, message, details, hint, nextWindow?, retryAfter?} and commits. Every call takes a token first, so refusals are
-- limited before they are audited; a caller refused for the rate limit itself is audited at most once a minute.

drop policy "admins queue their client's leads" on public.whatsapp_message_queue;
revoke insert on public.whatsapp_message_queue from authenticated;

-- The queueing limit, one row. The service role may change it (e.g. `update private.queue_limits set operations_per_hour = 1200`).
create table private.queue_limits (
  id boolean primary key default true constraint queue_limits_one_row check (id),
  operations_per_hour integer not null default 600 constraint queue_limits_operations_range check (operations_per_hour between 1 and 1000000)
);
insert into private.queue_limits default values;
alter table private.queue_limits enable row level security;
revoke all on private.queue_limits from public, anon, authenticated;
grant select, update on private.queue_limits to service_role;

-- One queueing operation of `caller` from their bucket: 0 when it may go ahead, else the seconds until one may.
create function private.take_queue_operation(caller uuid) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  per_hour integer := coalesce((select l.operations_per_hour from private.queue_limits l), 600);
begin
  if public.take_rate_tokens('queue:' || caller::text, 1, per_hour) >= 1 then
    return 0;
  end if;
  return greatest(1, ceil(3600.0 / per_hour))::integer;
end
$$;

-- The audit row of a refused request, in a client the caller belongs to. A rate-limited caller is logged at most once a minute.
create function private.note_refusal(caller uuid, client uuid, status integer, code text, message text, facts jsonb)
returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  if client is null or not exists (select 1 from public.client_members m where m.client_id = client and m.user_id = caller) then
    return;
  end if;
  if code = 'rate_limited' and exists (
      select 1 from public.queue_audit_log a
       where a.action = 'queue_rejected' and a.created_at > now() - interval '1 minute'
         and a.user_id = caller and a.client_id = client and a.details ->> 'code' = 'rate_limited') then
    return;
  end if;
  insert into public.queue_audit_log (client_id, user_id, actor_id, action, details)
  values (client, caller, caller, 'queue_rejected', coalesce(facts, '{}') || jsonb_build_object('code', code, 'message', message, 'status', status));
end
$$;

-- The refusal as PostgREST answers it: this status, a Retry-After header when given, and the error body.
create function private.refusal(status integer, code text, message text, extra jsonb default '{}')
returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('response.status', status::text, true);
  if extra ? 'retryAfter' then
    perform set_config('response.headers', jsonb_build_array(jsonb_build_object('Retry-After', extra ->> 'retryAfter'))::text, true);
  end if;
  return jsonb_build_object('code', code, 'message', message, 'details', null, 'hint', null) || extra;
end
$$;

-- enqueue_leads' body, run as its owner: the caller is auth.uid() and nothing else, every membership is checked here
-- (RLS does not apply to a security definer), and the queue's insert privilege is not the caller's.
create function private.enqueue_for_caller(lead_ids uuid[], priority public.queue_priority, scheduled_for timestamptz,
  message_template text, message_variables jsonb, defer_to_next_window boolean, client_id uuid)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  requested integer := coalesce(cardinality(lead_ids), 0);
  target uuid := enqueue_for_caller.client_id;
  lead_clients integer := 0;
  audit_client uuid;
  facts jsonb;
  wait_seconds integer;
  settings public.user_queue_settings;
  due timestamptz;
  verdict record;
  next_open tstzrange;
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
  -- The client: the one named, or the one client of the caller's clients these leads belong to.
  if target is null and requested between 1 and 1000 then
    select count(distinct l.client_id), (array_agg(distinct l.client_id))[1] into lead_clients, target
      from public.leads l
     where l.id = any (lead_ids) and l.client_id in (select m.client_id from public.client_members m where m.user_id = caller);
  end if;
  audit_client := coalesce(
    (select m.client_id from public.client_members m where m.user_id = caller and m.client_id = target),
    (select m.client_id from public.client_members m where m.user_id = caller order by m.role = 'admin' desc, m.created_at limit 1));
  facts := jsonb_build_object('lead_count', requested, 'priority', priority, 'scheduled_for', scheduled_for);

  wait_seconds := private.take_queue_operation(caller);
  if wait_seconds > 0 then
    perform private.note_refusal(caller, audit_client, 429, 'rate_limited', format('Rate limit exceeded. Try again in %ss', wait_seconds), facts);
    return private.refusal(429, 'rate_limited', format('Rate limit exceeded. Try again in %ss', wait_seconds), jsonb_build_object('retryAfter', wait_seconds));
  end if;

  if requested = 0 or requested > 1000 or lead_clients > 1 then
    declare
      message text := case when requested = 0 then 'Select at least one lead'
                           when requested > 1000 then format('At most 1000 leads per call (got %s)', requested)
                           else 'These leads belong to different clients: queue them one client at a time' end;
    begin
      perform private.note_refusal(caller, audit_client, 400, 'invalid_input', message, facts);
      return private.refusal(400, 'invalid_input', message);
    end;
  end if;

  select s.* into settings from public.user_queue_settings s
   where s.user_id = caller and s.client_id = target
     and exists (select 1 from public.client_members m where m.client_id = target and m.user_id = caller and m.role = 'admin')
   -- Concurrent calls by this admin for this client queue one after another: the capacity check sees what the previous committed.
   for update of s;
  if not found then
    declare
      message text := case when target is null or not exists (select 1 from public.client_members m where m.client_id = target and m.user_id = caller)
                           then 'None of these leads belong to your client' else 'Only a client admin can queue leads' end;
    begin
      perform private.note_refusal(caller, audit_client, 403, 'forbidden', message, facts);
      return private.refusal(403, 'forbidden', message);
    end;
  end if;

  if scheduled_for < now() - interval '5 minutes' or scheduled_for > now() + interval '1 year' then
    declare
      message text := case when scheduled_for < now() then 'scheduled_for must not be in the past'
                           else 'scheduled_for must be at most one year ahead' end;
    begin
      perform private.note_refusal(caller, target, 400, 'invalid_input', message, facts);
      return private.refusal(400, 'invalid_input', message);
    end;
  end if;
  -- Within the clock skew, a time just past means now.
  due := greatest(coalesce(scheduled_for, now()), now());

  verdict := private.window_check(settings, due);
  if not verdict.allowed then
    next_open := private.next_window(settings, due);
    if coalesce(defer_to_next_window, false) and next_open is not null then
      due := lower(next_open);
    else
      perform private.note_refusal(caller, target, 422, verdict.code, verdict.reason, facts);
      return private.refusal(422, verdict.code, verdict.reason, jsonb_build_object('nextWindow',
        case when next_open is null then null else jsonb_build_object('start', lower(next_open), 'end', upper(next_open)) end));
    end if;
  end if;

  -- A concurrent opt-out (or delete) of one of these leads waits for this call, then sees its items and cancels them.
  perform 1 from public.leads l where l.id = any (lead_ids) and l.client_id = target order by l.id for share;

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
  left join public.leads l on l.id = i.lead_id and l.client_id = target;

  select count(*), count(*) filter (where c.state <> 'unknown'), count(*) filter (where c.state = 'opted_out'),
         count(*) filter (where c.state = 'duplicate'), count(*) filter (where c.state = 'new')
    into distinct_count, known_count, opted_out_count, already_active, to_insert
    from pg_temp.enqueue_candidates c;
  if known_count = 0 then
    perform private.note_refusal(caller, target, 403, 'forbidden', 'None of these leads belong to your client', facts);
    return private.refusal(403, 'forbidden', 'None of these leads belong to your client');
  end if;

  select b.day_start, b.day_end into day_start, day_end from private.local_day_bounds(due, settings.timezone) b;
  select count(*) into booked from public.whatsapp_message_queue q
   where q.user_id = caller and q.client_id = target and q.status in ('pending', 'queued', 'processing', 'sent')
     and q.scheduled_for >= day_start and q.scheduled_for < day_end;

  if to_insert > 0 and booked + to_insert > settings.max_capacity then
    declare
      message text := format('Daily capacity exceeded (%s/%s)', booked + to_insert, settings.max_capacity);
    begin
      perform private.note_refusal(caller, target, 422, 'capacity_exceeded', message, facts);
      return private.refusal(422, 'capacity_exceeded', message, jsonb_build_object('booked', booked, 'capacity', settings.max_capacity,
        'day', (due at time zone settings.timezone)::date));
    end;
  end if;
  if to_insert > 0 and booked + to_insert > settings.daily_target then
    warning := format('Exceeding daily target (%s/%s)', booked + to_insert, settings.daily_target);
  end if;

  with inserted as (
    insert into public.whatsapp_message_queue (lead_id, client_id, user_id, priority, scheduled_for, message_template, message_variables)
    select c.lead_id, target, caller, coalesce(enqueue_for_caller.priority, 'normal'), due,
           coalesce(enqueue_for_caller.message_template, 'initial_outreach'), coalesce(enqueue_for_caller.message_variables, '{}')
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
    'warning', warning,
    'client_id', target,
    'scheduled_for', due
  );
end
$$;

drop function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb);
create function public.enqueue_leads(
  lead_ids uuid[],
  priority public.queue_priority default 'normal',
  scheduled_for timestamptz default null,
  message_template text default 'initial_outreach',
  message_variables jsonb default '{}',
  defer_to_next_window boolean default false,
  client_id uuid default null
) returns jsonb
language sql
set search_path = ''
as $$ select private.enqueue_for_caller(lead_ids, priority, scheduled_for, message_template, message_variables, defer_to_next_window, client_id) $$;

-- queue-leads' own refusals (a body it cannot read): the same limiter and audit as enqueue_leads. Service role only;
-- answers {code, message, retryAfter?} with 200, the caller's HTTP answer is queue-leads' to give.
create function public.note_queue_rejection(caller uuid, status integer, code text, message text, details jsonb default '{}')
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  client uuid := (select m.client_id from public.client_members m where m.user_id = caller order by m.role = 'admin' desc, m.created_at limit 1);
  wait_seconds integer := private.take_queue_operation(caller);
begin
  if wait_seconds > 0 then
    perform private.note_refusal(caller, client, 429, 'rate_limited', format('Rate limit exceeded. Try again in %ss', wait_seconds), details);
    return jsonb_build_object('code', 'rate_limited', 'message', format('Rate limit exceeded. Try again in %ss', wait_seconds), 'retryAfter', wait_seconds);
  end if;
  perform private.note_refusal(caller, client, status, code, left(message, 500), details);
  return jsonb_build_object('code', code, 'message', message);
end
$$;

revoke all on function private.take_queue_operation(uuid), private.note_refusal(uuid, uuid, integer, text, text, jsonb),
  private.refusal(integer, text, text, jsonb),
  private.enqueue_for_caller(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid) from public, anon;
grant execute on function private.refusal(integer, text, text, jsonb),
  private.enqueue_for_caller(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid) to authenticated, service_role;
grant execute on function private.take_queue_operation(uuid), private.note_refusal(uuid, uuid, integer, text, text, jsonb) to service_role;

revoke all on function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid),
  public.note_queue_rejection(uuid, integer, text, text, jsonb) from public, anon;
grant execute on function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid) to authenticated, service_role;
grant execute on function public.note_queue_rejection(uuid, integer, text, text, jsonb) to service_role;
revoke all on function public.note_queue_rejection(uuid, integer, text, text, jsonb) from authenticated;
