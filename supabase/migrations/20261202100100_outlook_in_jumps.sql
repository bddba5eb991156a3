-- outlook in jumps: private.pair_outlook read the pair's waiting queue up to the last wanted item into arrays and walked
-- it one claim at a time, calling the window and bucket functions per claim (0.5 s a page as an admin, 2-3.7 s as a
-- manager at 100k rows). The rules and the order of their checks are 20261201160300's, unchanged; what changed is how
-- the walk's state is carried:
-- * Design (a), a bounded projection, not (b) a kept one: the walk's only per-item input is eligibility, so the items
--   eligible at the first tick ("due") are served among themselves strictly in claim order and need no identity, only
--   a count: item k of them is the k-th due claim. One index-only pass (queue_outlook_pair_idx) up to the last wanted
--   item counts, for each wanted item and each item eligible later ("future"), the due items ahead of it; the walk
--   then serves "the next due item" by a counter and a future item when it is eligible and no due item ahead of it is
--   left (a future item with a higher priority goes before due ones, as the claim takes it). A kept projection would
--   re-walk the pair's queue on every enqueue and claim, the cost this removes, for the same answer.
-- * The window is read once per day (a cached stretch), not per claim and per tick; the reasons' next window and
--   holiday once per call, not per item; today's sends on the finished-work index, not over all the pair's rows.
-- * Whole days in jumps: a day that starts fresh (the bucket full, the delay run out, nothing sent that day, no client
--   pause) is the same claims at the same offsets from its first tick as any other fresh day with the same window
--   length; the first such day is walked and remembered, later ones are taken in one step when no future item can
--   cut in and enough due items are left (items of that day get their offset).
-- * The claims of a tick that can only be due items are counted by arithmetic (budget, window, day, capacity, the next
--   future item); only the send bucket is stepped claim by claim, in plpgsql without SQL, because its level carries
--   over in floating point and a closed form would round differently from the walk (and from the processor's bucket).
-- So a page costs one index-only pass up to its last item, one step per day, the future items, and the claims of the
-- days that are walked (the first day, the first fresh day, days a future item cuts into): not SQL per claim or tick.
-- The 20261201160300 walk stays as private.pair_outlook_walk, the reference the db tests hold the jumps to.

create index queue_outlook_pair_idx on public.whatsapp_message_queue (user_id, client_id, priority desc, scheduled_for, id)
  include (next_attempt_at) where status = 'pending';

alter function private.pair_outlook(uuid, uuid, uuid[], timestamptz) rename to pair_outlook_walk;
revoke all on function private.pair_outlook_walk(uuid, uuid, uuid[], timestamptz) from authenticated;

-- One pair's projection for the given items (all of them waiting): the walk in jumps, then each item's reason at `at`.
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
  r record;
  first_tick timestamptz := private.next_minute(at);
  n_due bigint := 0;
  served bigint := 0;
  f_id uuid[] := '{}';
  f_elig timestamptz[] := '{}';
  f_ahead bigint[] := '{}';
  f_want boolean[] := '{}';
  f_exp timestamptz[] := '{}';
  f_by_elig integer[];
  n_f integer := 0;
  f_left integer := 0;
  f_first integer := 1;
  pe integer := 1;
  k integer;
  w_id uuid[] := '{}';
  w_rank bigint[] := '{}';
  w_exp timestamptz[] := '{}';
  n_w integer := 0;
  wi integer := 1;
  pick integer;
  wanted_left integer := 0;
  t timestamptz;
  day_of_t date;
  day_lo timestamptz;
  day_hi timestamptz;
  win_from timestamptz;
  win tstzrange;
  used integer;
  level double precision;
  level_at timestamptz;
  burst double precision;
  claim_at timestamptz;
  next_allowed timestamptz;
  stop text;
  steps integer := 0;
  first_day date := (at at time zone 'UTC')::date;
  capacity_hit_first_day boolean := false;
  budget_bound_first_tick boolean := false;
  first_open_tick timestamptz;
  rec_tick timestamptz;
  rec_n integer;
  rec_clean boolean;
  prof_len interval;
  prof_off interval[] := '{}';
  prof_level double precision;
  prof_level_at interval;
  prof_next interval;
  prof_after interval;
  skip_n integer;
  batch bigint;
  n integer;
  step interval;
  step_refill double precision;
  reason_open record;
  reason_later record;
  have_open boolean := false;
  have_later boolean := false;
  reopens timestamptz;
  window_now record;
  next_open tstzrange;
  today_close tstzrange;
  item record;
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
  end if;

  if s.user_id is not null and s.processing_state = 'running' and last_rank.id is not null then
    -- The due items ahead of each wanted or future item, in claim order: two index ranges merged in that order.
    for r in
      select y.id, y.elig, y.fut, y.due_ahead, y.want, y.id = last_rank.id as last
        from (select x.id, x.priority, x.scheduled_for, x.elig, x.fut, x.id in (select unnest(wanted)) as want,
                     count(*) filter (where not x.fut) over (order by x.priority desc, x.scheduled_for, x.id rows unbounded preceding)
                       - case when x.fut then 0 else 1 end as due_ahead
                from (select q.id, q.priority, q.scheduled_for, e.elig, e.elig > first_tick as fut
                        from public.whatsapp_message_queue q,
                             lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                       where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                         and q.priority > last_rank.priority
                      union all
                      select q.id, q.priority, q.scheduled_for, e.elig, e.elig > first_tick
                        from public.whatsapp_message_queue q,
                             lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                       where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                         and q.priority = last_rank.priority and (q.scheduled_for, q.id) <= (last_rank.scheduled_for, last_rank.id)) x) y
       where y.fut or y.want
       order by y.priority desc, y.scheduled_for, y.id
    loop
      if r.fut then
        n_f := n_f + 1;
        f_id[n_f] := r.id;
        f_elig[n_f] := r.elig;
        f_ahead[n_f] := r.due_ahead;
        f_want[n_f] := r.want;
        f_exp[n_f] := null;
      else
        n_w := n_w + 1;
        w_id[n_w] := r.id;
        w_rank[n_w] := r.due_ahead;
        w_exp[n_w] := null;
      end if;
      if r.want then
        wanted_left := wanted_left + 1;
      end if;
      if r.last then
        n_due := r.due_ahead + case when r.fut then 0 else 1 end;
      end if;
    end loop;
    f_left := n_f;
    select coalesce(array_agg(x.k order by x.e, x.k), '{}') into f_by_elig from unnest(f_elig) with ordinality x(e, k);

    t := first_tick;
    select b.day_start, b.day_end into day_lo, day_hi from private.local_day_bounds(t, s.timezone) b;
    day_of_t := (t at time zone s.timezone)::date;
    -- Sent today and in flight as two counts, each on its partial index (one OR read every row the pair ever had).
    used := (select count(*) from public.whatsapp_message_queue q
              where q.user_id = pair_user and q.status in ('sent', 'failed') and q.processed_at >= day_lo
                and q.client_id = pair_client and q.status = 'sent')
          + (select count(*) from public.whatsapp_message_queue q
              where q.user_id = pair_user and q.status in ('queued', 'processing') and q.client_id = pair_client);
    -- A run takes its first token a moment after the tick (its lease and reads come first): read the bucket then.
    burst := greatest(1.0, pace.per_hour / 60.0);
    level := private.send_bucket_level(pair_client, pace.per_hour, t + interval '1 second');
    level_at := t;
    next_allowed := pace.next_send_at;
    win_from := t;
    win := private.next_window(s, t);
    step := make_interval(secs => pace.delay_ms / 1000.0);
    step_refill := extract(epoch from step) * pace.per_hour / 3600.0;

    -- Ticks until every wanted item is served (the tick that serves the last one runs to its end, as the old walk's did).
    while wanted_left > 0 and steps < 20000 loop
      steps := steps + 1;
      if t < win_from or win is null or t >= upper(win) then
        win_from := t;
        win := private.next_window(s, t);
      end if;
      exit when win is null;
      if t < lower(win) then
        if rec_tick is not null then
          -- The walked day's claims ended with its last open tick: remembered with the tick that follows it.
          if rec_clean and rec_n > 0 then
            prof_len := upper(private.next_window(s, rec_tick)) - rec_tick;
            prof_level := level;
            prof_level_at := level_at - rec_tick;
            prof_next := next_allowed - rec_tick;
            prof_after := t - rec_tick;
            prof_off := prof_off[1:rec_n];
          end if;
          rec_tick := null;
        end if;
        t := private.next_minute(lower(win));
        continue;
      end if;
      if rec_tick is not null and t >= day_hi then
        rec_tick := null;
      end if;
      if paused_until > t then
        t := private.next_minute(paused_until);
        continue;
      end if;
      if first_open_tick is null then
        first_open_tick := t;
      end if;
      -- A day's first tick in a fresh state: taken in one step when a walked fresh day of this length says what it holds.
      if t >= day_hi and t <> first_open_tick and coalesce(next_allowed <= t, true)
         and least(burst, level + extract(epoch from t - level_at) * pace.per_hour / 3600.0) = burst then
        select b.day_start, b.day_end into day_lo, day_hi from private.local_day_bounds(t, s.timezone) b;
        day_of_t := (t at time zone s.timezone)::date;
        used := 0;
        skip_n := coalesce(array_length(prof_off, 1), 0);
        if prof_len = upper(win) - t and skip_n > 0 and n_due - served >= skip_n
           and (f_left = 0 or f_ahead[f_first] > served + skip_n - 1 or f_elig[f_by_elig[pe]] >= upper(win)) then
          while wi <= n_w and w_rank[wi] < served + skip_n loop
            w_exp[wi] := t + prof_off[w_rank[wi] - served + 1];
            wanted_left := wanted_left - 1;
            wi := wi + 1;
          end loop;
          served := served + skip_n;
          used := skip_n;
          level := prof_level;
          level_at := t + prof_level_at;
          next_allowed := t + prof_next;
          t := case when prof_after is null then private.next_minute(day_hi) else t + prof_after end;
          continue;
        end if;
        if prof_len is null then
          rec_tick := t;
          rec_n := 0;
          rec_clean := true;
        end if;
      end if;
      -- One invocation: claims one after another, each the delay after the last, until one is refused.
      claim_at := greatest(t, coalesce(next_allowed, t));
      stop := null;
      -- The claims of the tick that can only be due items, counted by arithmetic; the bucket is still stepped one claim
      -- at a time (its level carries over in floating point, so its steps are the walk's own), the rest as below.
      if pace.delay_ms > 0 then
        batch := least(
          floor((pace.budget_ms - pace.timeout_ms - extract(epoch from claim_at - t) * 1000) / pace.delay_ms) + 1,
          ceil(extract(epoch from least(upper(win), day_hi) - claim_at) * 1000 / pace.delay_ms),
          s.max_capacity - used, n_due - served);
        if f_left > 0 then
          batch := least(batch, greatest(f_ahead[f_first] - served,
            ceil(extract(epoch from f_elig[f_by_elig[pe]] - claim_at) * 1000 / pace.delay_ms)));
        end if;
        n := 0;
        if batch > 0 then
          -- The walk's own float steps: the first claim refills since the last one, each next one by a delay's worth.
          level := least(burst, level + (extract(epoch from claim_at - level_at) * pace.per_hour / 3600.0));
          while level >= 1 loop
            level := level - 1;
            n := n + 1;
            exit when n >= batch;
            level := least(burst, level + step_refill);
          end loop;
          level_at := claim_at + (n - case when n = batch then 1 else 0 end) * step;
          if n < batch then
            budget_bound_first_tick := budget_bound_first_tick or t = first_open_tick;
            stop := 'rate';
          end if;
          if rec_tick is not null then
            for k in 0..n - 1 loop
              prof_off[rec_n + k + 1] := claim_at + k * step - rec_tick;
            end loop;
          end if;
          claim_at := claim_at + n * step;
        end if;
        while wi <= n_w and w_rank[wi] < served + n loop
          w_exp[wi] := claim_at - (served + n - w_rank[wi]) * step;
          wanted_left := wanted_left - 1;
          wi := wi + 1;
        end loop;
        if n > 0 then
          served := served + n;
          used := used + n;
          rec_n := rec_n + n;
          next_allowed := claim_at;
        end if;
      end if;
      while stop is null loop
        if extract(epoch from claim_at - t) * 1000 + pace.timeout_ms > pace.budget_ms then
          stop := 'budget';
          exit;
        end if;
        if claim_at >= upper(win) then
          win_from := claim_at;
          win := private.next_window(s, claim_at);
        end if;
        if win is null or claim_at < lower(win) then
          stop := 'window';
          exit;
        end if;
        if claim_at >= day_hi then
          rec_clean := false;
          select b.day_start, b.day_end into day_lo, day_hi from private.local_day_bounds(claim_at, s.timezone) b;
          day_of_t := (claim_at at time zone s.timezone)::date;
          used := 0;
        end if;
        if used >= s.max_capacity then
          capacity_hit_first_day := capacity_hit_first_day or day_of_t = first_day;
          stop := 'capacity';
          exit;
        end if;
        -- The first eligible item in claim order: a future one ahead of the next due one, else the next due one.
        pick := null;
        if f_left > 0 and f_elig[f_by_elig[pe]] <= claim_at and f_ahead[f_first] <= served then
          k := f_first;
          while k <= n_f and f_ahead[k] <= served loop
            if f_exp[k] is null and f_elig[k] <= claim_at then
              pick := k;
              exit;
            end if;
            k := k + 1;
          end loop;
        end if;
        if pick is null and served >= n_due then
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
        if pick is null then
          if wi <= n_w and w_rank[wi] = served then
            w_exp[wi] := claim_at;
            wanted_left := wanted_left - 1;
            wi := wi + 1;
          end if;
          served := served + 1;
        else
          f_exp[pick] := claim_at;
          f_left := f_left - 1;
          if f_want[pick] then
            wanted_left := wanted_left - 1;
          end if;
          while f_first <= n_f and f_exp[f_first] is not null loop
            f_first := f_first + 1;
          end loop;
          while pe <= n_f and f_exp[f_by_elig[pe]] is not null loop
            pe := pe + 1;
          end loop;
          rec_clean := false;
        end if;
        if rec_tick is not null then
          rec_n := rec_n + 1;
          prof_off[rec_n] := claim_at - rec_tick;
        end if;
        used := used + 1;
        next_allowed := claim_at + step;
        claim_at := next_allowed;
      end loop;
      if rec_tick is not null and stop in ('capacity', 'no_due') then
        -- A walked fresh day is remembered when due items alone filled it up to its capacity (or up to its close, above).
        if rec_clean and stop = 'capacity' then
          prof_len := upper(private.next_window(s, rec_tick)) - rec_tick;
          prof_level := level;
          prof_level_at := level_at - rec_tick;
          prof_next := next_allowed - rec_tick;
          prof_after := null;
          prof_off := prof_off[1:rec_n];
        end if;
        rec_tick := null;
      end if;
      if stop = 'capacity' then
        t := private.next_minute(day_hi);
      elsif stop = 'no_due' then
        -- Nothing due: the next tick that finds something is the one after the earliest eligible item.
        exit when f_left = 0;
        t := private.next_minute(greatest(t + interval '1 minute', f_elig[f_by_elig[pe]]));
      else
        t := t + interval '1 minute';
      end if;
    end loop;
  end if;

  window_now := case when s.user_id is null then null else private.window_check(s, at) end;
  for item in
    -- The walk holds every wanted pending item when it ran: its arrays drive the lookups (no join of two id lists).
    select q.id, q.status, q.scheduled_for, q.next_attempt_at, q.locked_until, q.error_code, q.attempts, q.max_attempts, x.expected
      from (select w.id, w.expected from unnest(w_id, w_exp) w(id, expected)
            union all
            select f.id, f.expected from unnest(f_id, f_exp, f_want) f(id, expected, want) where f.want) x
      join public.whatsapp_message_queue q on q.id = x.id and q.status = 'pending'
    union all
    select q.id, q.status, q.scheduled_for, q.next_attempt_at, q.locked_until, q.error_code, q.attempts, q.max_attempts, null
      from public.whatsapp_message_queue q
     where q.id = any (wanted) and (q.status <> 'pending' or wanted_left + n_w + n_f = 0)
  loop
    queue_item_id := item.id;
    holiday_name := null;
    error_code := null;
    attempt := item.attempts;
    max_attempts := item.max_attempts;
    expected_send_at := item.expected;
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
      if not have_open then
        have_open := true;
        next_open := private.next_window(s, at);
        select lower(next_open) as until, private.holiday_between(s, first_day,
                 coalesce((lower(next_open) at time zone s.timezone)::date, first_day + 1)) as holiday into reason_open;
      end if;
      waiting_until := reason_open.until;
      holiday_name := reason_open.holiday;
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
        if reopens is null then
          reopens := lower(private.next_window(s, (select b.day_end from private.local_day_bounds(at, s.timezone) b)));
        end if;
        waiting_until := reopens;
      else
        -- The window closes before its turn: it goes when the next one opens.
        if not have_later then
          have_later := true;
          today_close := private.next_window(s, at);
          next_open := private.next_window(s, upper(today_close));
          select lower(next_open) as until, private.holiday_between(s, first_day + 1,
                   coalesce((lower(next_open) at time zone s.timezone)::date, first_day + 2)) as holiday into reason_later;
        end if;
        waiting_until := reason_later.until;
        holiday_name := reason_later.holiday;
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

revoke all on function private.pair_outlook(uuid, uuid, uuid[], timestamptz) from public, anon;
grant execute on function private.pair_outlook(uuid, uuid, uuid[], timestamptz) to authenticated, service_role;

-- The dashboard's drain: the latest expected send of the waiting items. Due items go in claim order, so the last due one
-- in that order is the last of them to go; with it the walk needs only the items eligible later and one in flight.
create or replace function public.queue_drain(for_client uuid default null, at timestamptz default now(),
  out waiting integer, out drain_at timestamptz, out paused boolean)
language sql stable
set search_path = ''
as $$
  with pairs as (
    select q.user_id, q.client_id, count(*)::integer as n
      from public.whatsapp_message_queue q
     where q.status in ('pending', 'queued', 'processing') and (for_client is null or q.client_id = for_client)
     group by q.user_id, q.client_id
  )
  select coalesce(sum(p.n), 0)::integer, max(o.last), coalesce(bool_or(o.paused), false)
    from pairs p
    cross join lateral (select max(x.expected_send_at) as last, bool_or(x.waiting_for = 'admin_paused') as paused
                          from private.pair_outlook(p.user_id, p.client_id, array(
      (select q.id from public.whatsapp_message_queue q
        where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending'
        order by q.priority asc, q.scheduled_for desc, q.id desc limit 1)
      union
      (select q.id from public.whatsapp_message_queue q
        where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending'
          and greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) <= private.next_minute(coalesce(at, now()))
        order by q.priority asc, q.scheduled_for desc, q.id desc limit 1)
      union
      select q.id from public.whatsapp_message_queue q
       where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending'
         and greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) > private.next_minute(coalesce(at, now()))
      union
      (select q.id from public.whatsapp_message_queue q
        where q.user_id = p.user_id and q.client_id = p.client_id and q.status in ('queued', 'processing') limit 1)
    ), coalesce(at, now())) x) o
$$;

-- A page's items by their ids: `item_ids is null or q.id = any (item_ids)` read every waiting row of the table (under RLS)
-- to find 50; each branch now has its own plan and only one runs.
create or replace function public.queue_outlook(item_ids uuid[] default null, for_client uuid default null, at timestamptz default now())
returns table (queue_item_id uuid, waiting_for text, waiting_until timestamptz, expected_send_at timestamptz,
  holiday_name text, error_code text, attempt integer, max_attempts integer)
language sql stable
set search_path = ''
as $$
  select o.*
    from (select q.user_id, q.client_id, array_agg(q.id) as ids
            from public.whatsapp_message_queue q
           where item_ids is not null and q.id = any (item_ids) and q.status in ('pending', 'queued', 'processing')
             and (for_client is null or q.client_id = for_client)
           group by q.user_id, q.client_id
          union all
          select q.user_id, q.client_id, array_agg(q.id)
            from public.whatsapp_message_queue q
           where item_ids is null and q.status in ('pending', 'queued', 'processing')
             and (for_client is null or q.client_id = for_client)
           group by q.user_id, q.client_id) p,
         lateral private.pair_outlook(p.user_id, p.client_id, p.ids, coalesce(at, now())) o
$$;
