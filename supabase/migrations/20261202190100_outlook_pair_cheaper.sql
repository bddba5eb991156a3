-- outlook per pair, cheaper (issue 11 item 1 at 1M rows, the manager's page: 88.8 ms p50, 97.5 p95 quiet; the admin's
-- 30.5 p95). Profiled at 1M (bench/outlook-profile.ts, plpgsql marks, track_functions, auto_explain): a running pair
-- cost about 10 ms under load, its ranks 3.7, its day setup 1.1, its 53 ticks 4.0, and every statement of the
-- projection was planned again at each call: plpgsql keeps custom plans when the generic one looks dearer, and a
-- statement on the queue (19 indexes) took 0.5-1.8 ms to plan against 0.1 to run (pair_used: 1.5 ms a call, 0.2 after).
-- * The projection's statements run on generic plans (plan_cache_mode), planned once a connection: every one of them
--   is bounded by the pair's keys on an index whatever the values.
-- * The bucket's refill is written out in the walk's three places (the formula of private.bucket_refill, which the
--   claim uses): a call of that function costs 7.9 us, the expression 1.1, and a running pair made ~200 of them.
-- * pair_ranks counts the due items between two priorities with both bounds on the index: an "a_priority is null or"
--   left the upper one a filter, and each such count read every item of the higher priorities (1,359 a count).
-- * The items eligible after the first tick ("future") are looked up, not filtered out of every item up to the last
--   wanted one (3,600 index entries read for 12 found): the scheduled ones on queue_outlook_pair_idx, a range of
--   scheduled_for in each priority from the last wanted one's up; the ones in backoff on a new partial index of the
--   pending items with a next attempt (a retry sets one, a claim clears it: the index holds the retries waiting).
-- * The counts between two consecutive rows drop the eligibility test: every future item up to the last wanted one is
--   a row, so every item between two rows is due (0.3 us an index entry less; ~3,900 entries a manager's pair).
-- * private.pair_visible, which each definer of a running pair checks first (twice a pair), is one statement on
--   client_members and user_queue_settings by their keys instead of three set-returning definers (0.47 ms a check
--   under auto_explain); it restates the queue's read policy, which tests/db/outlook.test.ts holds it to.

create index queue_pending_retry_idx on public.whatsapp_message_queue (user_id, client_id)
  where status = 'pending' and next_attempt_at is not null;

create or replace function private.pair_visible(pair_user uuid, pair_client uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select (select auth.role()) = 'service_role'
      or exists (select 1 from public.client_members m
                  where m.client_id = pair_client and m.user_id = (select auth.uid())
                    and (m.user_id = pair_user or m.role = 'manager'
                         or (m.role = 'admin'
                             and exists (select 1 from public.user_queue_settings s where s.user_id = pair_user and s.client_id = pair_client)
                             and not exists (select 1 from public.client_members o
                                              where o.client_id = pair_client and o.user_id = pair_user and o.role = 'admin'))))
$$;

create or replace function private.pair_ranks(pair_user uuid, pair_client uuid, wanted uuid[], first_tick timestamptz,
  last_priority public.queue_priority, last_scheduled timestamptz, last_id uuid)
returns table (r_id uuid, r_elig timestamptz, r_fut boolean, r_want boolean, r_last boolean, r_due_ahead bigint)
language plpgsql stable security definer
set search_path = ''
-- A count per item is cheap only on the index: a queue just filled (statistics still saying it is small) planned
-- sequential scans, one per item.
set enable_seqscan = off
set plan_cache_mode = force_generic_plan
as $$
begin
  if not private.pair_visible(pair_user, pair_client) then
    return;
  end if;
  return query
    select y.id, y.elig, y.fut, y.want, y.id = last_id,
           (sum(y.ahead) over (order by y.priority desc, y.scheduled_for, y.id rows unbounded preceding))::bigint
      from (select x.id, x.priority, x.scheduled_for, x.elig, x.fut, x.want,
                   x.prev_due
                   + (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = x.priority and (q.scheduled_for, q.id) < (x.scheduled_for, x.id) and (q.scheduled_for, q.id) > (x.lo_scheduled, x.lo_id))
                   + case when x.a_priority is null then
                       (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority > x.priority)
                     when x.a_priority > x.priority then
                       (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority > x.priority and q.priority < x.a_priority)
                     else 0 end
                   + case when x.a_priority > x.priority then
                       (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = x.a_priority and (q.scheduled_for, q.id) > (x.a_scheduled, x.a_id))
                     else 0 end as ahead
              from (select z.*,
                           case when z.a_priority = z.priority then z.a_scheduled else '-infinity' end as lo_scheduled,
                           case when z.a_priority = z.priority then z.a_id else '00000000-0000-0000-0000-000000000000' end as lo_id
                      from (select p.id, p.priority, p.scheduled_for, p.elig, p.elig > first_tick as fut, p.want,
                           coalesce(lag(p.elig) over w <= first_tick, false)::integer as prev_due,
                           lag(p.priority) over w as a_priority, lag(p.scheduled_for) over w as a_scheduled, lag(p.id) over w as a_id
                      from (select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (wanted) as want
                              from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                               and q.priority = any (enum_range(last_priority, null)) and q.scheduled_for > first_tick
                               and (q.priority > last_priority or (q.scheduled_for, q.id) <= (last_scheduled, last_id))
                            union all
                            select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (wanted)
                              from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                               and q.next_attempt_at > first_tick and q.scheduled_for <= first_tick and q.priority >= last_priority
                               and (q.priority > last_priority or (q.scheduled_for, q.id) <= (last_scheduled, last_id))
                            union all
                            select q.id, q.priority, q.scheduled_for, e.elig, true
                              from unnest(wanted) w (id)
                              join public.whatsapp_message_queue q on q.id = w.id,
                                   lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.status = 'pending' and q.user_id = pair_user and q.client_id = pair_client
                               and e.elig <= first_tick) p
                    window w as (order by p.priority desc, p.scheduled_for, p.id)) z) x) y
     order by y.priority desc, y.scheduled_for, y.id;
end
$$;

alter function private.pair_used(uuid, uuid, timestamptz) set plan_cache_mode = force_generic_plan;
alter function private.drain_ids(uuid, uuid, timestamptz) set plan_cache_mode = force_generic_plan;

create or replace function private.pair_outlook(pair_user uuid, pair_client uuid, wanted uuid[], at timestamptz)
returns table (queue_item_id uuid, waiting_for text, waiting_until timestamptz, expected_send_at timestamptz,
  holiday_name text, error_code text, attempt integer, max_attempts integer)
language plpgsql stable
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  unit constant bigint := 3600000;
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
  level bigint;
  level_at timestamptz;
  burst bigint;
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
  rec_nseg integer;
  rec_clean boolean;
  prof_len interval;
  prof_n integer := 0;
  seg_off interval[] := '{}';
  seg_end bigint[] := '{}';
  prof_off interval[];
  prof_end bigint[];
  prof_level bigint;
  prof_level_at interval;
  prof_next interval;
  prof_after interval;
  sg integer;
  batch bigint;
  by_budget bigint;
  per_tick bigint;
  n bigint;
  lv0 bigint;
  step interval;
  step_refill bigint;
  tick_key text;
  tick_first interval;
  tick_served bigint;
  tick_extra boolean;
  lg_key text[] := '{}';
  lg_t timestamptz[] := '{}';
  lg_served bigint[] := '{}';
  lg_first interval[] := '{}';
  lg_n bigint[] := '{}';
  n_lg integer := 0;
  cyc interval;
  cyc_n bigint;
  m bigint;
  q bigint;
  j bigint;
  p integer;
  reason_open record;
  reason_later record;
  have_open boolean := false;
  have_later boolean := false;
  reopens timestamptz;
  open_now boolean;
  next_open tstzrange;
  today_close tstzrange;
  item record;
begin
  select * into s from public.user_queue_settings u where u.user_id = pair_user and u.client_id = pair_client;
  select c.sending_paused_until into paused_until from public.clients c where c.id = pair_client;

  if s.user_id is not null then
    first_day := (at at time zone s.timezone)::date;
  end if;
  if s.processing_state = 'running' then
    pace := private.pair_pace(pair_user, pair_client);
    -- The walk covers the pair's pending items up to the last wanted one in claim order: later ones never go first.
    select q.priority, q.scheduled_for, q.id into last_rank from public.whatsapp_message_queue q
     where q.id = any (wanted) and q.status = 'pending'
     order by q.priority asc, q.scheduled_for desc, q.id desc limit 1;
  end if;

  if s.user_id is not null and s.processing_state = 'running' and last_rank.id is not null then
    -- The wanted and future items in claim order, with the due items ahead of each.
    for r in
      select x.r_id as id, x.r_elig as elig, x.r_fut as fut, x.r_want as want, x.r_last as last, x.r_due_ahead as due_ahead
        from private.pair_ranks(pair_user, pair_client, wanted, first_tick, last_rank.priority, last_rank.scheduled_for, last_rank.id) x
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
    used := private.pair_used(pair_user, pair_client, day_lo);
    -- A run takes its first token a moment after the tick (its lease and reads come first): read the bucket then.
    burst := greatest(unit, pace.per_hour::bigint * 60000);
    level := private.send_bucket_units(pair_client, pace.per_hour, t + interval '1 second');
    level_at := t;
    next_allowed := pace.next_send_at;
    win_from := t;
    win := private.next_window(s, t);
    step := make_interval(secs => pace.delay_ms / 1000.0);
    step_refill := pace.delay_ms::bigint * pace.per_hour;
    per_tick := case when pace.delay_ms > 0 then (pace.budget_ms - pace.timeout_ms) / pace.delay_ms + 1 end;

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
            prof_off := seg_off[1:rec_nseg];
            prof_end := seg_end[1:rec_nseg];
            prof_n := rec_n;
          end if;
          rec_tick := null;
        end if;
        n_lg := 0;
        lg_key := '{}';
        t := private.next_minute(lower(win));
        continue;
      end if;
      if rec_tick is not null and t >= day_hi then
        rec_tick := null;
      end if;
      if paused_until > t then
        n_lg := 0;
        lg_key := '{}';
        t := private.next_minute(paused_until);
        continue;
      end if;
      if first_open_tick is null then
        first_open_tick := t;
      end if;
      -- A day's first tick in a fresh state: taken in one step when a walked fresh day of this length says what it holds.
      if t >= day_hi and t <> first_open_tick and coalesce(next_allowed <= t, true)
         and least(burst, level + floor(greatest(0, extract(epoch from t - level_at)) * pace.per_hour * 1000)::bigint) = burst then
        select b.day_start, b.day_end into day_lo, day_hi from private.local_day_bounds(t, s.timezone) b;
        day_of_t := (t at time zone s.timezone)::date;
        used := 0;
        n_lg := 0;
        lg_key := '{}';
        if prof_len = upper(win) - t and prof_n > 0 and n_due - served >= prof_n
           and (f_left = 0 or f_ahead[f_first] > served + prof_n - 1 or f_elig[f_by_elig[pe]] >= upper(win)) then
          sg := 1;
          while wi <= n_w and w_rank[wi] < served + prof_n loop
            j := w_rank[wi] - served;
            while prof_end[sg] <= j loop
              sg := sg + 1;
            end loop;
            w_exp[wi] := t + prof_off[sg] + (j - coalesce(prof_end[sg - 1], 0)) * step;
            wanted_left := wanted_left - 1;
            wi := wi + 1;
          end loop;
          served := served + prof_n;
          used := prof_n;
          level := prof_level;
          level_at := t + prof_level_at;
          next_allowed := t + prof_next;
          t := case when prof_after is null then private.next_minute(day_hi) else t + prof_after end;
          continue;
        end if;
        if prof_len is null then
          rec_tick := t;
          rec_n := 0;
          rec_nseg := 0;
          rec_clean := true;
        end if;
      end if;
      tick_key := null;
      if pace.delay_ms > 0 and t < day_hi then
        -- A regular tick is decided by this state: when an earlier tick of the streak had it, the ticks since are a cycle.
        tick_key := level || ' ' || (level_at - t) || ' ' || coalesce((next_allowed - t)::text, '-');
        k := array_position(lg_key, tick_key);
        if k is not null and served > lg_served[k] then
          cyc := t - lg_t[k];
          cyc_n := served - lg_served[k];
          -- Whole cycles that keep every tick regular, each bound with a tick's claims (or two ticks) to spare.
          m := least(floor(extract(epoch from least(upper(win), day_hi) - interval '1 minute' - t) / extract(epoch from cyc)),
                     (s.max_capacity - used - per_tick) / cyc_n, (n_due - served - per_tick) / cyc_n);
          if f_left > 0 then
            m := least(m, greatest((f_ahead[f_first] - served - per_tick) / cyc_n,
              floor(extract(epoch from f_elig[f_by_elig[pe]] - interval '2 minutes' - t) / extract(epoch from cyc))));
          end if;
          if m > 0 then
            p := k;
            while wi <= n_w and w_rank[wi] < served + m * cyc_n loop
              j := w_rank[wi] - served;
              q := j / cyc_n;
              j := j - q * cyc_n;
              if p > k and lg_served[p] - lg_served[k] > j then
                p := k;
              end if;
              while lg_served[p] - lg_served[k] + lg_n[p] <= j loop
                p := p + 1;
              end loop;
              w_exp[wi] := t + q * cyc + (lg_t[p] - lg_t[k]) + lg_first[p] + (j - (lg_served[p] - lg_served[k])) * step;
              wanted_left := wanted_left - 1;
              wi := wi + 1;
            end loop;
            if rec_tick is not null then
              for cq in 0..m - 1 loop
                for cp in k..n_lg loop
                  if lg_n[cp] > 0 then
                    rec_nseg := rec_nseg + 1;
                    rec_n := rec_n + lg_n[cp];
                    seg_off[rec_nseg] := t + cq * cyc + (lg_t[cp] - lg_t[k]) + lg_first[cp] - rec_tick;
                    seg_end[rec_nseg] := rec_n;
                  end if;
                end loop;
              end loop;
            end if;
            served := served + m * cyc_n;
            used := used + m * cyc_n;
            level_at := level_at + m * cyc;
            next_allowed := next_allowed + m * cyc;
            t := t + m * cyc;
            n_lg := 0;
            lg_key := '{}';
            continue;
          end if;
        end if;
      end if;
      -- One invocation: claims one after another, each the delay after the last, until one is refused.
      claim_at := greatest(t, coalesce(next_allowed, t));
      stop := null;
      tick_served := served;
      tick_first := claim_at - t;
      tick_extra := false;
      by_budget := null;
      n := 0;
      -- The claims of the tick that can only be due items, in closed form: each takes a token and refills a delay's worth.
      if pace.delay_ms > 0 then
        by_budget := floor((pace.budget_ms - pace.timeout_ms - extract(epoch from claim_at - t) * 1000) / pace.delay_ms) + 1;
        batch := least(by_budget,
          ceil(extract(epoch from least(upper(win), day_hi) - claim_at) * 1000 / pace.delay_ms),
          s.max_capacity - used, n_due - served);
        if f_left > 0 then
          batch := least(batch, greatest(f_ahead[f_first] - served,
            ceil(extract(epoch from f_elig[f_by_elig[pe]] - claim_at) * 1000 / pace.delay_ms)));
        end if;
        if batch > 0 then
          lv0 := least(burst, level + floor(greatest(0, extract(epoch from claim_at - level_at)) * pace.per_hour * 1000)::bigint);
          if lv0 < unit then
            n := 0;
            level := lv0;
            level_at := claim_at;
          elsif step_refill >= unit then
            n := batch;
            level := least(burst, lv0 + (n - 1) * (step_refill - unit)) - unit;
            level_at := claim_at + (n - 1) * step;
          else
            n := least(batch, (lv0 - unit) / (unit - step_refill) + 1);
            if n = batch then
              level := lv0 - (n - 1) * (unit - step_refill) - unit;
              level_at := claim_at + (n - 1) * step;
            else
              level := lv0 - n * (unit - step_refill);
              level_at := claim_at + n * step;
            end if;
          end if;
          if n < batch then
            budget_bound_first_tick := budget_bound_first_tick or t = first_open_tick;
            stop := 'rate';
          end if;
          if rec_tick is not null and n > 0 then
            rec_nseg := rec_nseg + 1;
            seg_off[rec_nseg] := claim_at - rec_tick;
            seg_end[rec_nseg] := rec_n + n;
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
        level := least(burst, level + floor(greatest(0, extract(epoch from claim_at - level_at)) * pace.per_hour * 1000)::bigint);
        level_at := claim_at;
        if level < unit then
          budget_bound_first_tick := budget_bound_first_tick or t = first_open_tick;
          stop := 'rate';
          exit;
        end if;
        level := level - unit;
        tick_extra := true;
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
          rec_nseg := rec_nseg + 1;
          seg_off[rec_nseg] := claim_at - rec_tick;
          seg_end[rec_nseg] := rec_n;
        end if;
        used := used + 1;
        next_allowed := claim_at + step;
        claim_at := next_allowed;
      end loop;
      if tick_key is not null and not tick_extra and stop in ('rate', 'budget') and (n < batch or batch = by_budget)
         and n_lg < 500 then
        n_lg := n_lg + 1;
        lg_key[n_lg] := tick_key;
        lg_t[n_lg] := t;
        lg_served[n_lg] := tick_served;
        lg_first[n_lg] := tick_first;
        lg_n[n_lg] := n;
      else
        n_lg := 0;
        lg_key := '{}';
      end if;
      if rec_tick is not null and stop in ('capacity', 'no_due') then
        -- A walked fresh day is remembered when due items alone filled it up to its capacity (or up to its close, above).
        if rec_clean and stop = 'capacity' then
          prof_len := upper(private.next_window(s, rec_tick)) - rec_tick;
          prof_level := level;
          prof_level_at := level_at - rec_tick;
          prof_next := next_allowed - rec_tick;
          prof_after := null;
          prof_off := seg_off[1:rec_nseg];
          prof_end := seg_end[1:rec_nseg];
          prof_n := rec_n;
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
    if open_now is null and s.user_id is not null and s.processing_state <> 'paused' then
      open_now := (private.window_check(s, at)).allowed;
    end if;
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
    elsif not open_now then
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
