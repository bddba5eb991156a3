-- cool-down and template checks: enqueue_leads (issue 10's one entrance, every rule and code kept) now also
-- * skips leads contacted within the admin's cooldown_days (a setting per admin per client, 0..365, default 30; 0 = off)
--   and counts them (skipped_recently_contacted), unless the caller passes include_recently_contacted;
-- * refuses (400 invalid_input, audited) a template the client does not have, and variables that are not exactly the
--   template's, each non-empty text.
-- queue-leads passes the flag and answers the new count; positional callers keep working (the flag comes last).

alter table public.user_queue_settings add column cooldown_days integer not null default 30
  constraint settings_cooldown_days_range check (cooldown_days between 0 and 365);
comment on column public.user_queue_settings.cooldown_days is
  'Leads contacted within this many days are skipped when queueing (unless included on purpose); 0 turns the cool-down off.';
grant update (cooldown_days) on public.user_queue_settings to authenticated;

-- What is wrong with these variables for this template, in one sentence, or null when they fit.
create function private.template_variables_problem(template_name text, expected text[], variables jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when missing <> '' then format('Template "%s" needs these variables: %s', template_name, missing)
    when unknown <> '' then format('Template "%s" has no variables named: %s', template_name, unknown)
    when not_text <> '' then format('Variables must be non-empty text: %s', not_text)
  end
  from (select
          (select coalesce(string_agg(v, ', ' order by n), '') from unnest(expected) with ordinality e(v, n) where not variables ? v) as missing,
          (select coalesce(string_agg(k, ', ' order by k), '') from jsonb_object_keys(variables) k where not k = any (expected)) as unknown,
          (select coalesce(string_agg(k, ', ' order by k), '') from jsonb_each(variables) j(k, val)
            where jsonb_typeof(val) <> 'string' or btrim(val #>> '{}') = '' or char_length(val #>> '{}') > 1000) as not_text) p
$$;
revoke all on function private.template_variables_problem(text, text[], jsonb) from public, anon;
grant execute on function private.template_variables_problem(text, text[], jsonb) to authenticated, service_role;

drop function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid);
drop function private.enqueue_for_caller(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid);

-- enqueue_leads' body, run as its owner: the caller is auth.uid() and nothing else, every membership is checked here
-- (RLS does not apply to a security definer), and the queue's insert privilege is not the caller's.
create function private.enqueue_for_caller(lead_ids uuid[], priority public.queue_priority, scheduled_for timestamptz,
  message_template text, message_variables jsonb, defer_to_next_window boolean, client_id uuid,
  include_recently_contacted boolean)
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
  template_name text := coalesce(enqueue_for_caller.message_template, 'initial_outreach');
  template_variables text[];
  variables jsonb := coalesce(enqueue_for_caller.message_variables, '{}');
  template_problem text;
  recent_count integer;
  contacted_since timestamptz;
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
  -- The template must be one of the client's, and the variables exactly its variables, each non-empty text.
  select t.variables into template_variables from public.message_templates t where t.client_id = target and t.name = template_name;
  template_problem := case
    when template_variables is null then format('Unknown message template "%s": pick one of this client''s templates', template_name)
    when jsonb_typeof(variables) <> 'object' then 'message_variables must be an object of variable names and their text'
    else private.template_variables_problem(template_name, template_variables, variables)
  end;
  if template_problem is not null then
    perform private.note_refusal(caller, target, 400, 'invalid_input', template_problem, facts || jsonb_build_object('template', template_name));
    return private.refusal(400, 'invalid_input', template_problem);
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

  -- The cool-down: a lead contacted within the admin's cooldown_days is skipped unless the caller includes them.
  contacted_since := case when not coalesce(include_recently_contacted, false) and settings.cooldown_days > 0
                          then now() - make_interval(days => settings.cooldown_days) end;

  create temp table if not exists pg_temp.enqueue_candidates (lead_id uuid primary key, state text not null) on commit drop;
  truncate pg_temp.enqueue_candidates;
  insert into pg_temp.enqueue_candidates (lead_id, state)
  select i.lead_id,
         case
           when l.id is null then 'unknown'
           when l.opted_out_at is not null then 'opted_out'
           when exists (select 1 from public.whatsapp_message_queue a
                         where a.lead_id = l.id and a.status in ('pending', 'queued', 'processing')) then 'duplicate'
           when l.last_contacted_at > contacted_since then 'recent'
           else 'new'
         end
  from (select distinct u.lead_id from unnest(lead_ids) as u(lead_id) where u.lead_id is not null) i
  left join public.leads l on l.id = i.lead_id and l.client_id = target;

  select count(*), count(*) filter (where c.state <> 'unknown'), count(*) filter (where c.state = 'opted_out'),
         count(*) filter (where c.state = 'duplicate'), count(*) filter (where c.state = 'new'), count(*) filter (where c.state = 'recent')
    into distinct_count, known_count, opted_out_count, already_active, to_insert, recent_count
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
    select c.lead_id, target, caller, coalesce(enqueue_for_caller.priority, 'normal'), due, template_name, variables
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
    'skipped_recently_contacted', recent_count,
    'cooldown_days', settings.cooldown_days,
    'warning', warning,
    'client_id', target,
    'scheduled_for', due
  );
end
$$;

create function public.enqueue_leads(
  lead_ids uuid[],
  priority public.queue_priority default 'normal',
  scheduled_for timestamptz default null,
  message_template text default 'initial_outreach',
  message_variables jsonb default '{}',
  defer_to_next_window boolean default false,
  client_id uuid default null,
  include_recently_contacted boolean default false
) returns jsonb
language sql
set search_path = ''
as $$
  select private.enqueue_for_caller(lead_ids, priority, scheduled_for, message_template, message_variables, defer_to_next_window,
                                    client_id, include_recently_contacted)
$$;

revoke all on function private.enqueue_for_caller(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid, boolean)
  from public, anon;
grant execute on function private.enqueue_for_caller(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid, boolean)
  to authenticated, service_role;
revoke all on function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid, boolean) from public, anon;
grant execute on function public.enqueue_leads(uuid[], public.queue_priority, timestamptz, text, jsonb, boolean, uuid, boolean)
  to authenticated, service_role;
