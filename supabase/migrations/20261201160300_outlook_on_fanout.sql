-- The outlook on issue 13's processor (20261201140100): claim_next_item takes one item per claim, paced by the pair's
-- next_send_at, with the admin's pace overrides falling back to the environment's (private.effective_pacing). The walk
-- now mirrors it: a dispatcher tick at the start of every minute; no claim outside the window (holidays and closed
-- days included) or while the client is paused by a 429/503; claims in claim_next_item's order (priority desc,
-- scheduled_for, id), one after another the processing delay apart, carried across ticks; each local day at most
-- max_capacity sent or in flight; one token of the client's send bucket per claim (burst per_hour/60, refilled
-- per_hour/3600 a second), the pair stopping for the tick when the bucket is empty or nothing is due; no claim whose
-- send could not finish inside the invocation's budget. The pace inputs still come from private.pair_pace alone.

drop function private.pair_pace(uuid, uuid);

-- The processor's pace for one (admin, client) pair: private.effective_pacing (the admin's overrides, else the
-- environment's), the pair's next_send_at, and the invocation's budget and webhook timeout (QUEUE_PROCESSOR_BUDGET_MS,
-- AGENT_DB_TIMEOUT_MS: their defaults, since the environment mirrors only the pace into private.processor_config).
create function private.pair_pace(user_id uuid, client_id uuid,
  out delay_ms integer, out per_hour integer, out next_send_at timestamptz, out budget_ms integer, out timeout_ms integer)
language sql stable
set search_path = ''
as $$
  select p.processing_delay_ms, p.rate_limit_per_hour, s.next_send_at, 50000, 10000
    from public.user_queue_settings s, private.effective_pacing(s) p
   where s.user_id = pair_pace.user_id and s.client_id = pair_pace.client_id
$$;

-- One pair's projection for the given items (all of them waiting): the walk, then each item's reason at `at`.
create or replace function private.pair_outlook(pair_user uuid, pair_client uuid, wanted uuid[], at timestamptz)
returns table (queue_item_id uuid, waiting_for text, waiting_until timestamptz, expected_send_at timestamptz,
  holiday_name text, error_code text, attempt integer, max_attempts integer)
language plpgsql stable
set search_path = ''
as $$
declare
  s public.user_queue_settings;
  pace record;
  paused_until timestamptz;
  last_rank record;
  ids uuid[];
  eligible timestamptz[];
  expected timestamptz[];
  n_items integer;
  remaining integer;
  first_tick timestamptz := private.next_minute(at);
  t timestamptz;
  day_of_t date;
  used integer;
  level double precision;
  level_at timestamptz;
  burst double precision;
  claim_at timestamptz;
  next_allowed timestamptz;
  stop text;
  i integer;
  cursor_at integer := 1;
  next_eligible timestamptz;
  steps integer := 0;
  first_day date := (at at time zone 'UTC')::date;
  capacity_hit_first_day boolean := false;
  budget_bound_first_tick boolean := false;
  first_open_tick timestamptz;
  window_now record;
  next_open tstzrange;
  today_close tstzrange;
  item record;
  pos integer;
begin
  select * into s from public.user_queue_settings u where u.user_id = pair_user and u.client_id = pair_client;
  select c.sending_paused_until into paused_until from public.clients c where c.id = pair_client;

  if s.user_id is not null then
    first_day := (at at time zone s.timezone)::date;
    pace := private.pair_pace(pair_user, pair_client);
    -- The walk covers the pair's pending items up to the last wanted one in claim order: later ones never go first.
    select q.priority, q.scheduled_for, q.id into last_rank from public.whatsapp_message_queue q
     where q.id = any (wanted) and q.status = 'pending'
     order by q.priority asc, q.scheduled_for desc, q.id desc limit 1;
    if last_rank.id is not null then
      select array_agg(q.id order by q.priority desc, q.scheduled_for, q.id),
             array_agg(greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) order by q.priority desc, q.scheduled_for, q.id)
        into ids, eligible
        from public.whatsapp_message_queue q
       where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
         and (q.priority > last_rank.priority
              or (q.priority = last_rank.priority and (q.scheduled_for, q.id) <= (last_rank.scheduled_for, last_rank.id)));
    end if;
    n_items := coalesce(cardinality(ids), 0);
    expected := array_fill(null::timestamptz, array[greatest(n_items, 1)]);
    remaining := n_items;

    t := first_tick;
    day_of_t := (t at time zone s.timezone)::date;
    select count(*) into used from public.whatsapp_message_queue q
     where q.user_id = pair_user and q.client_id = pair_client
       and ((q.status = 'sent' and q.processed_at >= (select b.day_start from private.local_day_bounds(t, s.timezone) b))
            or q.status in ('queued', 'processing'));
    -- A run takes its first token a moment after the tick (its lease and reads come first): read the bucket then.
    burst := greatest(1.0, pace.per_hour / 60.0);
    level := private.send_bucket_level(pair_client, pace.per_hour, t + interval '1 second');
    level_at := t;
    next_allowed := pace.next_send_at;

    while s.processing_state = 'running' and remaining > 0 and steps < 20000 loop
      steps := steps + 1;
      if not (private.window_check(s, t)).allowed then
        next_open := private.next_window(s, t);
        exit when next_open is null;
        t := private.next_minute(lower(next_open));
        continue;
      end if;
      if paused_until > t then
        t := private.next_minute(paused_until);
        continue;
      end if;
      first_open_tick := coalesce(first_open_tick, t);
      -- One invocation: claims one after another, each the delay after the last, until one is refused.
      claim_at := greatest(t, coalesce(next_allowed, t));
      stop := null;
      loop
        if extract(epoch from claim_at - t) * 1000 + pace.timeout_ms > pace.budget_ms then
          stop := 'budget';
          exit;
        end if;
        if not private.is_window_open(s, claim_at) then
          stop := 'window';
          exit;
        end if;
        if (claim_at at time zone s.timezone)::date <> day_of_t then
          day_of_t := (claim_at at time zone s.timezone)::date;
          used := 0;
        end if;
        if used >= s.max_capacity then
          capacity_hit_first_day := capacity_hit_first_day or day_of_t = first_day;
          stop := 'capacity';
          exit;
        end if;
        while cursor_at <= n_items and expected[cursor_at] is not null loop
          cursor_at := cursor_at + 1;
        end loop;
        i := cursor_at;
        while i <= n_items and (expected[i] is not null or eligible[i] > claim_at) loop
          i := i + 1;
        end loop;
        if i > n_items then
          stop := 'no_due';
          exit;
        end if;
        level := least(burst, level + extract(epoch from claim_at - level_at) * pace.per_hour / 3600.0);
        level_at := claim_at;
        if level < 1 then
          budget_bound_first_tick := budget_bound_first_tick or t = first_open_tick;
          stop := 'rate';
          exit;
        end if;
        level := level - 1;
        expected[i] := claim_at;
        used := used + 1;
        remaining := remaining - 1;
        next_allowed := claim_at + make_interval(secs => pace.delay_ms / 1000.0);
        claim_at := next_allowed;
        exit when remaining = 0;
      end loop;
      if stop = 'capacity' then
        t := private.next_minute((select b.day_end from private.local_day_bounds(claim_at, s.timezone) b));
      elsif stop = 'no_due' then
        -- Nothing due: the next tick that finds something is the one after the earliest eligible item.
        select min(e) into next_eligible from unnest(eligible, expected) as x(e, done) where x.done is null;
        exit when next_eligible is null;
        t := private.next_minute(greatest(t + interval '1 minute', next_eligible));
      else
        t := t + interval '1 minute';
      end if;
    end loop;
  end if;

  window_now := case when s.user_id is null then null else private.window_check(s, at) end;
  for item in
    select q.id, q.status, q.scheduled_for, q.next_attempt_at, q.locked_until, q.error_code, q.attempts, q.max_attempts
      from public.whatsapp_message_queue q where q.id = any (wanted)
  loop
    queue_item_id := item.id;
    holiday_name := null;
    error_code := null;
    attempt := item.attempts;
    max_attempts := item.max_attempts;
    pos := array_position(ids, item.id);
    expected_send_at := case when pos is null then null else expected[pos] end;
    waiting_until := null;
    if item.status in ('queued', 'processing') then
      waiting_for := 'in_flight';
      waiting_until := item.locked_until;
      expected_send_at := at;
    elsif s.user_id is null or s.processing_state = 'paused' then
      waiting_for := 'admin_paused';
      expected_send_at := null;
    elsif item.next_attempt_at > at then
      waiting_for := 'backoff';
      waiting_until := item.next_attempt_at;
      error_code := item.error_code;
    elsif item.scheduled_for > at then
      waiting_for := 'scheduled';
      waiting_until := item.scheduled_for;
    elsif not window_now.allowed then
      next_open := private.next_window(s, at);
      waiting_until := lower(next_open);
      holiday_name := private.holiday_between(s, first_day, coalesce((lower(next_open) at time zone s.timezone)::date, first_day + 1));
      waiting_for := case when holiday_name is null then 'outside_hours' else 'holiday' end;
    elsif paused_until > at then
      waiting_for := 'client_paused';
      waiting_until := paused_until;
    elsif expected_send_at is not null and expected_send_at < first_tick + interval '1 minute' then
      waiting_for := 'due_now';
      waiting_until := expected_send_at;
    elsif expected_send_at is null or (expected_send_at at time zone s.timezone)::date > first_day then
      if capacity_hit_first_day then
        waiting_for := 'daily_capacity';
        waiting_until := lower(private.next_window(s, (select b.day_end from private.local_day_bounds(at, s.timezone) b)));
      else
        -- The window closes before its turn: it goes when the next one opens.
        today_close := private.next_window(s, at);
        next_open := private.next_window(s, upper(today_close));
        waiting_until := lower(next_open);
        holiday_name := private.holiday_between(s, first_day + 1, coalesce((lower(next_open) at time zone s.timezone)::date, first_day + 2));
        waiting_for := case when holiday_name is null then 'outside_hours' else 'holiday' end;
      end if;
    elsif budget_bound_first_tick then
      waiting_for := 'send_budget';
      waiting_until := expected_send_at;
    else
      waiting_for := 'due_now';
      waiting_until := expected_send_at;
    end if;
    if waiting_for = 'backoff' or item.attempts > 0 then
      error_code := item.error_code;
    end if;
    return next;
  end loop;
end
$$;

revoke all on function private.pair_pace(uuid, uuid) from public, anon;
grant execute on function private.pair_pace(uuid, uuid) to authenticated, service_role;
