-- A spread keeps what the admin chose for the batch: the template and its variables reach every day's enqueue_leads
-- (they always could; the SPA now sends them), and so does the cool-down override. Leads the cool-down keeps out are
-- taken out of the batch before the days are planned, so they take no day's capacity, and the preview counts them
-- as enqueue_leads does ('recent': known, not opted out, not already waiting, contacted within cooldown_days).

-- Which of these leads the caller's cool-down keeps out of a batch for this client (none when cooldown_days is 0).
create function private.recently_contacted(lead_ids uuid[], for_client uuid) returns uuid[]
language sql stable
set search_path = ''
as $$
  select coalesce(array_agg(l.id), '{}')
    from public.leads l
    join public.user_queue_settings s on s.user_id = (select auth.uid()) and s.client_id = for_client
   where l.id = any (recently_contacted.lead_ids) and l.client_id = for_client
     and s.cooldown_days > 0 and l.last_contacted_at > now() - make_interval(days => s.cooldown_days)
     and l.opted_out_at is null
     and not exists (select 1 from public.whatsapp_message_queue a where a.lead_id = l.id and a.status in ('pending', 'queued', 'processing'))
$$;
revoke all on function private.recently_contacted(uuid[], uuid) from public, anon;
grant execute on function private.recently_contacted(uuid[], uuid) to authenticated, service_role;

-- The dialog's preview: the days plan_spread plans for the leads the cool-down lets through (all of them with the
-- override), and how many it keeps out. Security invoker, as plan_spread.
create function public.preview_spread(lead_ids uuid[], for_client uuid, at timestamptz default now(),
  include_recently_contacted boolean default false)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  recent integer := case when coalesce(include_recently_contacted, false) then 0
                         else cardinality(private.recently_contacted(lead_ids, for_client)) end;
  planned integer := coalesce(cardinality(lead_ids), 0) - recent;
  days jsonb := '[]';
begin
  if planned > 0 then
    select coalesce(jsonb_agg(jsonb_build_object('day', p.day, 'window_start', p.window_start, 'queued', p.queued) order by p.day), '[]')
      into days from public.plan_spread(planned, for_client, at) p;
  end if;
  return jsonb_build_object('days', days, 'skipped_recently_contacted', recent);
end
$$;

drop function public.enqueue_spread(uuid[], uuid, public.queue_priority, text, jsonb, timestamptz);

-- Queues the leads as preview_spread plans them (from start_at, never before now), all or nothing: one enqueue_leads
-- call per day by named arguments, with the batch's template, variables and cool-down override. The caller's settings
-- row is locked first (the lock enqueue_leads takes), so concurrent spreads plan one after the other and never overshoot
-- a day. A refusal of any day undoes every day and is answered as enqueue_leads answers it, with that day.
create function public.enqueue_spread(lead_ids uuid[], for_client uuid, priority public.queue_priority default 'normal',
  message_template text default 'initial_outreach', message_variables jsonb default '{}', start_at timestamptz default null,
  include_recently_contacted boolean default false)
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
  recent uuid[];
  batch uuid[];
  recent_count integer;
begin
  if requested < 1 or requested > 1000 then
    raise exception 'A spread takes 1 to 1000 leads (got %)', requested using errcode = '22023';
  end if;
  perform 1 from public.user_queue_settings u where u.user_id = (select auth.uid()) and u.client_id = for_client for update;
  recent := case when coalesce(include_recently_contacted, false) then '{}' else private.recently_contacted(lead_ids, for_client) end;
  batch := array(select u.id from unnest(lead_ids) with ordinality as u(id, n) where not coalesce(u.id = any (recent), false) order by u.n);
  recent_count := requested - cardinality(batch);
  begin
    for plan in select * from public.plan_spread(greatest(cardinality(batch), 1), for_client, greatest(coalesce(start_at, now()), now()))
                 where cardinality(batch) > 0 loop
      answer := public.enqueue_leads(lead_ids => batch[offset_at + 1 : offset_at + plan.queued], priority => priority,
        scheduled_for => plan.window_start, message_template => message_template, message_variables => message_variables,
        defer_to_next_window => false, client_id => for_client, include_recently_contacted => include_recently_contacted);
      if answer ? 'code' then
        refusal := answer || jsonb_build_object('day', plan.day);
        refusal_status := current_setting('response.status', true);
        raise exception 'spread refused' using errcode = 'LQ422';
      end if;
      offset_at := offset_at + plan.queued;
      total := total + (answer ->> 'queued')::integer;
      skipped := skipped + (answer ->> 'skipped_duplicates')::integer + (answer ->> 'skipped_opted_out')::integer
        + (answer ->> 'skipped_unknown')::integer;
      recent_count := recent_count + coalesce((answer ->> 'skipped_recently_contacted')::integer, 0);
      days := days || jsonb_build_object('day', plan.day, 'window_start', plan.window_start, 'queued', (answer ->> 'queued')::integer);
    end loop;
  exception when sqlstate 'LQ422' then
    -- The days already queued are undone with the block; the refusal's HTTP status is set again outside it.
    perform set_config('response.status', coalesce(refusal_status, '422'), true);
    return refusal;
  end;
  return jsonb_build_object('queued', total, 'days', days, 'skipped', skipped, 'skipped_recently_contacted', recent_count,
    'unplanned', cardinality(batch) - offset_at);
end
$$;

revoke all on function public.preview_spread(uuid[], uuid, timestamptz, boolean),
  public.enqueue_spread(uuid[], uuid, public.queue_priority, text, jsonb, timestamptz, boolean) from public, anon;
grant execute on function public.preview_spread(uuid[], uuid, timestamptz, boolean),
  public.enqueue_spread(uuid[], uuid, public.queue_priority, text, jsonb, timestamptz, boolean) to authenticated;
