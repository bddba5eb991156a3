-- spread, don't refuse: a batch that does not fit today's capacity (or comes while the window is closed) is planned
-- over the coming open days, each within its remaining capacity, and queued in one transaction by calling
-- enqueue_leads once per day with that day's window start, so every rule of the one entrance (and its audit) applies.

-- The caller's plan for `lead_count` new items from `at` on: each open day with its first sendable moment (`at` itself
-- when the window is open then) and how many go that day: the capacity left after what is booked for it, counted as
-- enqueue_leads counts it. Security invoker: the caller's own settings row and the items RLS shows them.
create function public.plan_spread(lead_count integer, for_client uuid, at timestamptz default now())
returns table (day date, window_start timestamptz, queued integer)
language plpgsql stable
set search_path = ''
as $$
declare
  s public.user_queue_settings;
  remaining integer := lead_count;
  next_open tstzrange;
  from_at timestamptz := coalesce(at, now());
  booked integer;
  bounds record;
begin
  if lead_count is null or lead_count < 1 or lead_count > 100000 then
    raise exception 'lead_count must be between 1 and 100000' using errcode = '22023';
  end if;
  select * into s from public.user_queue_settings u
   where u.user_id = (select auth.uid()) and u.client_id = for_client
     and exists (select 1 from public.client_members m where m.client_id = for_client and m.user_id = u.user_id and m.role = 'admin');
  if not found then
    raise exception 'Only a client admin can queue leads' using errcode = '42501';
  end if;
  for i in 1..400 loop
    exit when remaining <= 0;
    next_open := private.next_window(s, from_at);
    -- enqueue_leads takes nothing beyond a year ahead.
    exit when next_open is null or lower(next_open) > coalesce(at, now()) + interval '1 year';
    select b.day_start, b.day_end into bounds from private.local_day_bounds(lower(next_open), s.timezone) b;
    select count(*) into booked from public.whatsapp_message_queue q
     where q.user_id = s.user_id and q.client_id = s.client_id and q.status in ('pending', 'queued', 'processing', 'sent')
       and q.scheduled_for >= bounds.day_start and q.scheduled_for < bounds.day_end;
    if booked < s.max_capacity then
      day := (lower(next_open) at time zone s.timezone)::date;
      window_start := lower(next_open);
      queued := least(remaining, s.max_capacity - booked);
      remaining := remaining - queued;
      return next;
    end if;
    from_at := bounds.day_end;
  end loop;
end
$$;

-- Queues the leads as plan_spread plans them (from start_at, never before now), all or nothing: one enqueue_leads call per day, by named
-- arguments so that a signature with more defaulted parameters (issue 14) takes the call unchanged. The caller's
-- settings row is locked first (the lock enqueue_leads takes), so concurrent spreads plan one after the other and never
-- overshoot a day. A refusal of any day undoes every day and is answered as enqueue_leads answers it, with that day.
create function public.enqueue_spread(lead_ids uuid[], for_client uuid, priority public.queue_priority default 'normal',
  message_template text default 'initial_outreach', message_variables jsonb default '{}', start_at timestamptz default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  plan record;
  offset_at integer := 0;
  answer jsonb;
  refusal jsonb;
  refusal_status text;
  days jsonb := '[]';
  total integer := 0;
  skipped integer := 0;
  requested integer := coalesce(cardinality(lead_ids), 0);
begin
  if requested < 1 or requested > 1000 then
    raise exception 'A spread takes 1 to 1000 leads (got %)', requested using errcode = '22023';
  end if;
  perform 1 from public.user_queue_settings u where u.user_id = (select auth.uid()) and u.client_id = for_client for update;
  begin
    for plan in select * from public.plan_spread(requested, for_client, greatest(coalesce(start_at, now()), now())) loop
      answer := public.enqueue_leads(lead_ids => lead_ids[offset_at + 1 : offset_at + plan.queued], priority => priority,
        scheduled_for => plan.window_start, message_template => message_template, message_variables => message_variables,
        defer_to_next_window => false, client_id => for_client);
      if answer ? 'code' then
        refusal := answer || jsonb_build_object('day', plan.day);
        refusal_status := current_setting('response.status', true);
        raise exception 'spread refused' using errcode = 'LQ422';
      end if;
      offset_at := offset_at + plan.queued;
      total := total + (answer ->> 'queued')::integer;
      skipped := skipped + (answer ->> 'skipped_duplicates')::integer + (answer ->> 'skipped_opted_out')::integer
        + (answer ->> 'skipped_unknown')::integer;
      days := days || jsonb_build_object('day', plan.day, 'window_start', plan.window_start, 'queued', (answer ->> 'queued')::integer);
    end loop;
  exception when sqlstate 'LQ422' then
    -- The days already queued are undone with the block; the refusal's HTTP status is set again outside it.
    perform set_config('response.status', coalesce(refusal_status, '422'), true);
    return refusal;
  end;
  return jsonb_build_object('queued', total, 'days', days, 'skipped', skipped, 'unplanned', requested - offset_at);
end
$$;

revoke all on function public.plan_spread(integer, uuid, timestamptz),
  public.enqueue_spread(uuid[], uuid, public.queue_priority, text, jsonb, timestamptz) from public, anon;
grant execute on function public.plan_spread(integer, uuid, timestamptz),
  public.enqueue_spread(uuid[], uuid, public.queue_priority, text, jsonb, timestamptz) to authenticated;
