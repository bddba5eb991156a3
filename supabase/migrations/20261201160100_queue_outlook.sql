-- queue outlook: for every waiting item, why it waits (`waiting_for`), when that reason ends (`waiting_until`) and when
-- it is expected to go (`expected_send_at`). The projection walks each (admin, client) pair's queue in claim order
-- (priority, then schedule, then id) through the processor's rules on main: a run at the start of every minute; no run
-- outside the window (holidays and closed days included) or while the client is paused by a 429/503; each local day at
-- most max_capacity sent; the client's send bucket (burst per_hour/60, refilled per_hour/3600 a second); at most
-- `per_run` sends a run, `delay_ms` apart. The pace inputs come from private.pair_pace alone, so a processor that paces
-- differently changes one function. Security invoker: RLS decides which items and settings the caller sees, and an
-- item is projected only behind the items of its pair that the caller may see.

-- The processor's pace for one (admin, client) pair: the admin's delay and batch, the send budget per hour, and the
-- sends one run makes (its 50 s budget less the 10 s webhook timeout, over the delay; unbounded without a delay).
create function private.pair_pace(user_id uuid, client_id uuid,
  out delay_ms integer, out batch_size integer, out per_hour integer, out per_run integer)
language sql stable
set search_path = ''
as $$
  select s.processing_delay_ms, s.batch_size, s.rate_limit_per_hour,
         case when s.processing_delay_ms = 0 then 100000 else (50000 - 10000) / s.processing_delay_ms + 1 end
    from public.user_queue_settings s
   where s.user_id = pair_pace.user_id and s.client_id = pair_pace.client_id
$$;

-- The client's send bucket at `at`: tokens available then (a full bucket when it was never used). Definer: the bucket
-- table is private; a caller learns the level only for a client they belong to.
create function private.send_bucket_level(client uuid, per_hour integer, at timestamptz) returns double precision
language sql stable security definer
set search_path = ''
as $$
  select least(greatest(1.0, per_hour / 60.0),
               coalesce(b.tokens + greatest(0, extract(epoch from at - b.updated_at)) * per_hour / 3600.0, greatest(1.0, per_hour / 60.0)))
    from (select 1) one
    left join private.rate_buckets b on b.bucket = 'send:' || client::text
   where client in (select private.member_client_ids()) or (select auth.role()) = 'service_role'
$$;

-- The first IL holiday from `from_day` up to (not including) `to_day` for settings on the IL calendar, else null.
create function private.holiday_between(s public.user_queue_settings, from_day date, to_day date) returns text
language sql stable
set search_path = ''
as $$
  select c.name from public.calendar_closed_days c
   where s.holiday_calendar = 'IL' and c.calendar = 'IL' and c.kind in ('yom_tov', 'modern')
     and c.day >= from_day and c.day < to_day
   order by c.day limit 1
$$;

create function private.next_minute(at timestamptz) returns timestamptz
language sql immutable
set search_path = ''
as $$ select case when date_trunc('minute', at) = at then at else date_trunc('minute', at) + interval '1 minute' end $$;

-- One pair's projection for the given items (all of them waiting): the walk, then each item's reason at `at`.
create function private.pair_outlook(pair_user uuid, pair_client uuid, wanted uuid[], at timestamptz)
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
  room integer;
  level double precision;
  level_at timestamptz;
  take integer;
  taken integer;
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
    -- A run takes its tokens a moment after it starts (its reads come first): read the bucket then, not at t sharp.
    level := private.send_bucket_level(pair_client, pace.per_hour, t + interval '1 second');
    level_at := t;

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
      if (t at time zone s.timezone)::date <> day_of_t then
        day_of_t := (t at time zone s.timezone)::date;
        used := 0;
      end if;
      first_open_tick := coalesce(first_open_tick, t);
      room := s.max_capacity - used;
      if room <= 0 then
        capacity_hit_first_day := capacity_hit_first_day or day_of_t = first_day;
        t := private.next_minute((select b.day_end from private.local_day_bounds(t, s.timezone) b));
        continue;
      end if;
      level := least(greatest(1.0, pace.per_hour / 60.0), level + extract(epoch from t - level_at) * pace.per_hour / 3600.0);
      level_at := t;
      take := least(room, floor(level)::integer, pace.per_run);
      if t = first_open_tick and floor(level) < least(room, pace.per_run) then
        budget_bound_first_tick := true;
      end if;
      taken := 0;
      next_eligible := null;
      i := cursor_at;
      while i <= n_items and taken < take loop
        if expected[i] is null then
          if eligible[i] <= t then
            expected[i] := t + make_interval(secs => taken * pace.delay_ms / 1000.0);
            taken := taken + 1;
            remaining := remaining - 1;
          elsif next_eligible is null or eligible[i] < next_eligible then
            next_eligible := eligible[i];
          end if;
        end if;
        i := i + 1;
      end loop;
      while cursor_at <= n_items and expected[cursor_at] is not null loop
        cursor_at := cursor_at + 1;
      end loop;
      used := used + taken;
      level := level - taken;
      if taken = 0 and take > 0 then
        -- Nothing due yet: the next run that finds something is the one after the earliest eligible item.
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

-- The outlook of waiting items the caller sees: the given ones (a page of the list), or every waiting one (of a client).
create function public.queue_outlook(item_ids uuid[] default null, for_client uuid default null, at timestamptz default now())
returns table (queue_item_id uuid, waiting_for text, waiting_until timestamptz, expected_send_at timestamptz,
  holiday_name text, error_code text, attempt integer, max_attempts integer)
language sql stable
set search_path = ''
as $$
  select o.*
    from (select q.user_id, q.client_id, array_agg(q.id) as ids
            from public.whatsapp_message_queue q
           where q.status in ('pending', 'queued', 'processing')
             and (item_ids is null or q.id = any (item_ids))
             and (for_client is null or q.client_id = for_client)
           group by q.user_id, q.client_id) p,
         lateral private.pair_outlook(p.user_id, p.client_id, p.ids, coalesce(at, now())) o
$$;

-- The dashboard's drain: when the last waiting item is expected to go, or paused (an admin's pause holds items back).
create function public.queue_drain(for_client uuid default null, at timestamptz default now(),
  out waiting integer, out drain_at timestamptz, out paused boolean)
language sql stable
set search_path = ''
as $$
  select count(*)::integer, max(o.expected_send_at), coalesce(bool_or(o.waiting_for = 'admin_paused'), false)
    from public.queue_outlook(null, for_client, at) o
$$;

revoke all on function private.pair_pace(uuid, uuid), private.send_bucket_level(uuid, integer, timestamptz),
  private.holiday_between(public.user_queue_settings, date, date), private.next_minute(timestamptz),
  private.pair_outlook(uuid, uuid, uuid[], timestamptz), public.queue_outlook(uuid[], uuid, timestamptz),
  public.queue_drain(uuid, timestamptz) from public, anon;
grant execute on function private.pair_pace(uuid, uuid), private.send_bucket_level(uuid, integer, timestamptz),
  private.holiday_between(public.user_queue_settings, date, date), private.next_minute(timestamptz),
  private.pair_outlook(uuid, uuid, uuid[], timestamptz), public.queue_outlook(uuid[], uuid, timestamptz),
  public.queue_drain(uuid, timestamptz) to authenticated, service_role;
