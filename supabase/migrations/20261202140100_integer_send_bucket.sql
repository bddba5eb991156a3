-- The send bucket in whole units: a token is 3,600,000 units, so a refill of per_hour tokens an hour is per_hour units a
-- millisecond (floor(microseconds * per_hour / 1000)) and every level is an integer. The processor's take and the
-- outlook's projection did the same arithmetic in floating point, where a level can land a rounding away from a whole
-- token: the projection could only match the processor by repeating its float steps one claim at a time. In integers a
-- tick's claims are a closed form (20261202140200). rate_buckets.tokens stays a double holding units / 3,600,000, which
-- reads back to the exact units (round(tokens * 3,600,000)) far beyond any burst.
-- Changed bodies: public.take_rate_tokens (units; same signature, grants and locking), private.pair_outlook_walk (the
-- reference walk's bucket lines only). New: private.bucket_refill, private.send_bucket_units.

-- Units refilled over `d` at per_hour tokens an hour (none for a negative span).
create function private.bucket_refill(d interval, per_hour integer) returns bigint
language sql immutable
set search_path = ''
as $$ select floor(greatest(0, extract(epoch from d)) * per_hour * 1000)::bigint $$;

create or replace function public.take_rate_tokens(bucket text, wanted integer, per_hour integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  burst bigint;
  available bigint;
  granted integer;
  stamp timestamptz := clock_timestamp();
begin
  if wanted is null or wanted < 0 then
    raise exception 'wanted must be >= 0' using errcode = '22023';
  end if;
  if per_hour is null or per_hour < 1 then
    raise exception 'per_hour must be >= 1' using errcode = '22023';
  end if;
  burst := greatest(3600000, per_hour::bigint * 60000);
  insert into private.rate_buckets (bucket, tokens, updated_at) values (take_rate_tokens.bucket, burst / 3600000.0, stamp)
  on conflict on constraint rate_buckets_pkey do nothing;

  perform 1 from private.rate_buckets b where b.bucket = take_rate_tokens.bucket for update;
  -- Read the clock after waiting for the lock, so time spent queued behind other callers is credited once.
  stamp := clock_timestamp();
  select least(burst, round(b.tokens * 3600000)::bigint + private.bucket_refill(stamp - b.updated_at, per_hour))
    into available
    from private.rate_buckets b where b.bucket = take_rate_tokens.bucket;

  granted := least(wanted, available / 3600000);
  update private.rate_buckets b set tokens = (available - granted * 3600000::bigint) / 3600000.0, updated_at = stamp
   where b.bucket = take_rate_tokens.bucket;
  return granted;
end
$$;

-- The client's send bucket at `at` in units (a full bucket when it was never used). Definer: the bucket table is
-- private; a caller learns the level only for a client they belong to.
create function private.send_bucket_units(client uuid, per_hour integer, at timestamptz) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select least(greatest(3600000, per_hour::bigint * 60000),
               coalesce(round(b.tokens * 3600000)::bigint + private.bucket_refill(at - b.updated_at, per_hour),
                        greatest(3600000, per_hour::bigint * 60000)))
    from (select 1) one
    left join private.rate_buckets b on b.bucket = 'send:' || client::text
   where client in (select private.member_client_ids()) or (select auth.role()) = 'service_role'
$$;

revoke all on function private.bucket_refill(interval, integer), private.send_bucket_units(uuid, integer, timestamptz) from public, anon;
grant execute on function private.bucket_refill(interval, integer), private.send_bucket_units(uuid, integer, timestamptz)
  to authenticated, service_role;

-- The reference walk (tests only) on the same integer bucket; nothing else in it changed.
create or replace function private.pair_outlook_walk(pair_user uuid, pair_client uuid, wanted uuid[], at timestamptz)
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
  level bigint;
  level_at timestamptz;
  burst bigint;
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
    burst := greatest(3600000, pace.per_hour::bigint * 60000);
    level := private.send_bucket_units(pair_client, pace.per_hour, t + interval '1 second');
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
        level := least(burst, level + private.bucket_refill(claim_at - level_at, pace.per_hour));
        level_at := claim_at;
        if level < 3600000 then
          budget_bound_first_tick := budget_bound_first_tick or t = first_open_tick;
          stop := 'rate';
          exit;
        end if;
        level := level - 3600000;
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
