-- The manager's outlook page at 1M rows (issue 11; brief i11-outlook7 items 1 and 3): pairs_outlook's one statement for
-- its pairs' inputs reads every pair's wanted and future items with the due items ahead of each too, and what it asked of
-- five functions a pair it asks in SQL. Answers unchanged (tests/db/outlook-pairs-batch.test.ts compares with
-- 20261203130100's functions and the per-pair ones before them, column by column).
-- Where the manager's first page (9 running pairs) went before, per call: the inputs statement with 9 pair_ranks calls
-- ~5-6 ms (pair_ranks 4.3 ms of it, most of that the counting on the index), each pair's walk ~0.5 ms, the reasons and
-- item reads ~0.2 ms a pair; and per pair a call each to private.pair_visible, pair_pace (with effective_pacing),
-- pair_used, send_bucket_units (with member_client_ids and bucket_refill) and local_day_bounds (twice), 40-90 us each.
-- * pair_ranks's capped counting is written into the statement (one plan for all pairs, rescanned a pair, and no plpgsql
--   loop a row: the arrays the walk reads are aggregated there; not a function of its own: a SQL function is inlined
--   only without a `set` clause, and every function here fixes its search_path). A pair the caps do not settle (two
--   gaps over 500, ...) is counted in full by private.pair_ranks, as before.
-- * private.pair_visible, pair_pace, pair_used, send_bucket_units and local_day_bounds are restated in the statement
--   (their bodies, same reads): the membership check of the bucket's read is one hashed subplan for the statement.
--   The walk's day bounds are two expressions, not a statement.
-- * pairs_outlook sets enable_seqscan off, as pair_ranks did for its counts (a queue just filled, statistics saying it
--   is small, planned sequential scans, one per item); its statements are all on indexes.
-- Measured with bench/outlook-old-new.ts (LQ_OUTLOOK_OLD=pairs: 20261203130100's functions against these, interleaved
-- on the same pages at the same `at`, backend CPU a call over 200 calls each, 1M-row fixture of bench/outlook-profile.ts,
-- load 3.0), old -> new: the manager's first page 15.10 -> 12.40 ms (-18 %), deep page 17.15 -> 14.70 (-14 %), drain
-- 17.35 -> 15.50 (-11 %); the admin's first page 5.15 -> 5.35, deep 5.60 -> 5.80 (one pair: nothing to share), drain
-- 3.80 -> 3.55. The ranks in the statement alone (without the restated functions) gave the manager's pages 3-4 %.

create or replace function private.pairs_outlook(pair_users uuid[], pair_clients uuid[], item_ids uuid[], at timestamptz)
returns table (queue_item_id uuid, waiting_for text, waiting_until timestamptz, expected_send_at timestamptz,
  holiday_name text, error_code text, attempt integer, max_attempts integer)
language plpgsql stable security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
-- As private.pair_ranks has it: the counts of the due items ahead are cheap only on the index.
set enable_seqscan = off
as $$
declare
  first_tick0 timestamptz := private.next_minute(at);
  pr record;
  -- The windows found in this call, with the rules they came from (private.next_window_kept), and the last one asked.
  wc record;
  oc_sig text[] := '{}';
  oc_open boolean[] := '{}';
  nw tstzrange;
  ci integer;
begin
  select '{}'::text[] as wc_sig, '{}'::timestamptz[] as wc_from, '{}'::tstzrange[] as wc_win, null::tstzrange as win into wc;
  for pr in
    select g.pair_user, g.pair_client, g.wanted, v.visible, u as s, c.sending_paused_until as paused_until,
           -- What private.plan_day and private.next_window read of the settings: the window's rules.
           row(u.timezone, u.business_hours, u.closed_dates, u.holiday_calendar, u.short_erev_chag, u.erev_chag_end)::text as sig,
           pc.delay_ms, pc.per_hour, pc.next_send_at, pc.budget_ms, pc.timeout_ms,
           lr.priority as last_priority, lr.scheduled_for as last_scheduled, lr.id as last_id,
           d.day_lo, d.day_hi, d.used, d.level,
           rk.f_id, rk.f_elig, rk.f_ahead, rk.f_want, rk.f_by_elig, rk.w_id, rk.w_rank, rk.wanted_left, rk.n_due
      from (select x.u as pair_user, x.c as pair_client, array_agg(x.id) as wanted
              from unnest(pair_users, pair_clients, item_ids) x (u, c, id)
             group by x.u, x.c) g
      -- private.pair_visible, restated (a function call a pair cost more than the check). Fenced: flattened, the check ran
      -- once for each join that reads it.
      cross join lateral (select (select auth.role()) = 'service_role'
                                 or exists (select 1 from public.client_members m
                                             where m.client_id = g.pair_client and m.user_id = (select auth.uid())
                                               and (m.user_id = g.pair_user or m.role = 'manager'
                                                    or (m.role = 'admin'
                                                        and exists (select 1 from public.user_queue_settings us
                                                                     where us.user_id = g.pair_user and us.client_id = g.pair_client)
                                                        and not exists (select 1 from public.client_members o
                                                                         where o.client_id = g.pair_client and o.user_id = g.pair_user and o.role = 'admin'))))
                                   as visible offset 0) v
      -- The settings' read policy, restated: an admin reading a departed admin's items does not read their settings.
      left join public.user_queue_settings u
        on v.visible and u.user_id = g.pair_user and u.client_id = g.pair_client
       and ((select auth.role()) = 'service_role' or u.user_id = (select auth.uid()) or u.client_id in (select private.manager_client_ids()))
      left join public.clients c on v.visible and c.id = g.pair_client
      -- private.pair_pace of the settings read (private.effective_pacing's caps and the pair's next send), restated.
      left join lateral (select coalesce(u.processing_delay_ms, cf.processing_delay_ms) as delay_ms,
                                least(cf.rate_limit_per_hour, coalesce(u.rate_limit_per_hour, cf.rate_limit_per_hour)) as per_hour,
                                pp.next_send_at, 50000 as budget_ms, 10000 as timeout_ms
                           from private.processor_config cf
                           left join private.pair_pacing pp on pp.user_id = u.user_id and pp.client_id = u.client_id
                          where u.processing_state = 'running') pc on true
      -- The walk covers the pair's pending items up to the last wanted one in claim order: later ones never go first.
      left join lateral (select q.priority, q.scheduled_for, q.id from public.whatsapp_message_queue q
                          where u.processing_state = 'running'
                            and q.id = any (g.wanted) and q.status = 'pending' and q.user_id = g.pair_user and q.client_id = g.pair_client
                          order by q.priority asc, q.scheduled_for desc, q.id desc limit 1) lr on true
      -- A run takes its first token a moment after the tick (its lease and reads come first): the bucket is read then.
      -- private.local_day_bounds, private.pair_used and private.send_bucket_units (with private.bucket_refill), restated:
      -- the member check of the bucket's read is one hashed subplan for the statement, not a function call a pair.
      left join lateral (select b.day_lo, b.day_hi,
                                (select count(*) from public.whatsapp_message_queue q
                                  where q.user_id = g.pair_user and q.status in ('sent', 'failed') and q.processed_at >= b.day_lo
                                    and q.client_id = g.pair_client and q.status = 'sent')::integer
                                + (select count(*) from public.whatsapp_message_queue q
                                    where q.status in ('queued', 'processing') and q.user_id = g.pair_user and q.client_id = g.pair_client)::integer as used,
                                (select least(greatest(3600000, pc.per_hour::bigint * 60000),
                                              coalesce(round(rb.tokens * 3600000)::bigint
                                                       + floor(greatest(0, extract(epoch from first_tick0 + interval '1 second' - rb.updated_at)) * pc.per_hour * 1000)::bigint,
                                                       greatest(3600000, pc.per_hour::bigint * 60000)))
                                   from (select 1) one
                                   left join private.rate_buckets rb on rb.bucket = 'send:' || g.pair_client::text
                                  where g.pair_client in (select private.member_client_ids()) or (select auth.role()) = 'service_role') as level
                           from (select (date_trunc('day', first_tick0 at time zone u.timezone)) at time zone u.timezone as day_lo,
                                        (date_trunc('day', first_tick0 at time zone u.timezone) + interval '1 day') at time zone u.timezone as day_hi) b
                          where lr.id is not null) d on true
      -- The wanted and future items in claim order with the due items ahead of each: private.pair_ranks's capped counts
      -- (20261202220200, its statement with the pair's values for its arguments and 500 for its cap), each row saying
      -- whether the caps settle the pair's counts (r_ok, the same on every row of a pair) and its place in claim order
      -- (r_n). A pair they do not settle is counted in full by private.pair_ranks, as before.
      left join lateral (
        with ranked as materialized (
          select k.* from (
            select y.id as r_id, y.elig as r_elig, y.fut as r_fut, y.want as r_want, y.id = lr.id as r_last,
                   (sum(y.ahead) over w)::bigint as r_due_ahead, y.ok as r_ok, row_number() over w as r_n
                  from (select v.id, v.priority, v.scheduled_for, v.elig, v.fut, v.want,
                               v.n_big = 0 or (v.n_big = 1 and v.tail <= 500 and v.due_before_last - (v.sum_capped - v.big_capped) > v.big_prev_due + 500) as ok,
                               case when v.big then v.due_before_last - (v.sum_capped - v.capped) else v.capped end as ahead
                          from (select u.*, count(*) filter (where u.big) over () as n_big, sum(u.capped) over () as sum_capped,
                                       sum(u.capped) filter (where u.big) over () as big_capped, max(u.prev_due) filter (where u.big) over () as big_prev_due,
                                       t.pending - 1 - t.tail - count(*) filter (where u.fut and u.id <> lr.id) over () as due_before_last, t.tail
                                  from (select x.*, x.prev_due + x.c1 + x.c2 + x.c3 as capped, greatest(x.c1, x.c2, x.c3) > 500 as big
                                          from (select z2.*,
                                                       (select count(*) from (select from public.whatsapp_message_queue q
                               where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending' and q.priority = z2.priority and (q.scheduled_for, q.id) < (z2.scheduled_for, z2.id) and (q.scheduled_for, q.id) > (z2.lo_scheduled, z2.lo_id) limit 501) c) as c1,
                                                       case when z2.a_priority is null then
                                   (select count(*) from (select from public.whatsapp_message_queue q
                               where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending' and q.priority > z2.priority limit 501) c)
                                 when z2.a_priority > z2.priority then
                                   (select count(*) from (select from public.whatsapp_message_queue q
                               where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending' and q.priority > z2.priority and q.priority < z2.a_priority limit 501) c)
                                 else 0 end as c2,
                                                       case when z2.a_priority > z2.priority then
                                   (select count(*) from (select from public.whatsapp_message_queue q
                               where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending' and q.priority = z2.a_priority and (q.scheduled_for, q.id) > (z2.a_scheduled, z2.a_id) limit 501) c)
                                 else 0 end as c3
                                                  from (select z.*,
                                                               case when z.a_priority = z.priority then z.a_scheduled else '-infinity' end as lo_scheduled,
                                                               case when z.a_priority = z.priority then z.a_id else '00000000-0000-0000-0000-000000000000' end as lo_id
                                  from (select p.id, p.priority, p.scheduled_for, p.elig, p.elig > first_tick0 as fut, p.want,
                                       coalesce(lag(p.elig) over w <= first_tick0, false)::integer as prev_due,
                                       lag(p.priority) over w as a_priority, lag(p.scheduled_for) over w as a_scheduled, lag(p.id) over w as a_id
                                  from (select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (g.wanted) as want
                                          from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                                         where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending'
                                           and q.priority = any (enum_range(lr.priority, null)) and q.scheduled_for > first_tick0
                                           and (q.priority > lr.priority or (q.scheduled_for, q.id) <= (lr.scheduled_for, lr.id))
                                        union all
                                        select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (g.wanted)
                                          from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                                         where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending'
                                           and q.next_attempt_at > first_tick0 and q.scheduled_for <= first_tick0 and q.priority >= lr.priority
                                           and (q.priority > lr.priority or (q.scheduled_for, q.id) <= (lr.scheduled_for, lr.id))
                                        union all
                                        select q.id, q.priority, q.scheduled_for, e.elig, true
                                          from unnest(g.wanted) w (id)
                                          join public.whatsapp_message_queue q on q.id = w.id,
                                               lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                                         where q.status = 'pending' and q.user_id = g.pair_user and q.client_id = g.pair_client
                                           and e.elig <= first_tick0) p
                                window w as (order by p.priority desc, p.scheduled_for, p.id)) z) z2
                                          -- A fence: each count once, not once for every reference to it.
                                          offset 0) x) u
                                 cross join (select coalesce((select c.items from public.queue_status_counts c
                                                               where c.client_id = g.pair_client and c.user_id = g.pair_user and c.status = 'pending'), 0) as pending,
                                                    (select count(*) from (select from public.whatsapp_message_queue q
                                                      where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending' and q.priority = lr.priority
                                                        and (q.scheduled_for, q.id) > (lr.scheduled_for, lr.id) limit 501) c)
                                                    + (select count(*) from (select from public.whatsapp_message_queue q
                                                      where q.user_id = g.pair_user and q.client_id = g.pair_client and q.status = 'pending' and q.priority < lr.priority
                                                       limit 501) c) as tail offset 0) t) v) y
                window w as (order by y.priority desc, y.scheduled_for, y.id rows unbounded preceding)
            ) k
           where lr.id is not null)
        select array_agg(k.r_id order by k.n) filter (where k.r_fut) as f_id,
               array_agg(k.r_elig order by k.n) filter (where k.r_fut) as f_elig,
               array_agg(k.r_due_ahead order by k.n) filter (where k.r_fut) as f_ahead,
               array_agg(k.r_want order by k.n) filter (where k.r_fut) as f_want,
               array_agg(k.f_n::integer order by k.r_elig, k.f_n) filter (where k.r_fut) as f_by_elig,
               array_agg(k.r_id order by k.n) filter (where not k.r_fut) as w_id,
               array_agg(k.r_due_ahead order by k.n) filter (where not k.r_fut) as w_rank,
               count(*) filter (where k.r_want)::integer as wanted_left,
               coalesce(max(k.r_due_ahead + case when k.r_fut then 0 else 1 end) filter (where k.r_last), 0) as n_due
          from (select k0.*, row_number() over (partition by k0.r_fut order by k0.n) as f_n
                  from (select c.r_id, c.r_elig, c.r_fut, c.r_want, c.r_last, c.r_due_ahead, c.r_n as n from ranked c where c.r_ok
                        union all
                        select f.r_id, f.r_elig, f.r_fut, f.r_want, f.r_last, f.r_due_ahead, f.n
                          from private.pair_ranks(g.pair_user, g.pair_client, g.wanted, first_tick0, lr.priority, lr.scheduled_for, lr.id)
                               with ordinality f (r_id, r_elig, r_fut, r_want, r_last, r_due_ahead, n)
                         where lr.id is not null and not exists (select from ranked c where c.r_ok)) k0) k) rk on true
  loop
    declare
      pair_user uuid := pr.pair_user;
      pair_client uuid := pr.pair_client;
      wanted uuid[] := pr.wanted;
      unit constant bigint := 3600000;
      s public.user_queue_settings;
      pace record;
      paused_until timestamptz;
      last_rank record;
      r record;
      first_tick timestamptz := first_tick0;
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
      fk integer;
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
      if not pr.visible then
        continue;
      end if;
      s := pr.s;
      paused_until := pr.paused_until;
      if s.user_id is not null then
        first_day := (at at time zone s.timezone)::date;
      end if;

      if s.user_id is not null and s.processing_state = 'running' and pr.last_id is not null then
        pace := pr;
        -- The wanted and future items in claim order, with the due items ahead of each: read with the pair's inputs.
        f_id := coalesce(pr.f_id, '{}');
        f_elig := coalesce(pr.f_elig, '{}');
        f_ahead := coalesce(pr.f_ahead, '{}');
        f_want := coalesce(pr.f_want, '{}');
        f_by_elig := coalesce(pr.f_by_elig, '{}');
        w_id := coalesce(pr.w_id, '{}');
        w_rank := coalesce(pr.w_rank, '{}');
        n_f := cardinality(f_id);
        n_w := cardinality(w_id);
        f_exp := array_fill(null::timestamptz, array[n_f]);
        w_exp := array_fill(null::timestamptz, array[n_w]);
        wanted_left := pr.wanted_left;
        n_due := pr.n_due;
        f_left := n_f;

        t := first_tick;
        day_lo := pr.day_lo;
        day_hi := pr.day_hi;
        day_of_t := (t at time zone s.timezone)::date;
        used := pr.used;
        burst := greatest(unit, pace.per_hour::bigint * 60000);
        level := pr.level;
        level_at := t;
        next_allowed := pace.next_send_at;
        win_from := t;
        wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, t);
        nw := wc.win;
        win := nw;
        step := make_interval(secs => pace.delay_ms / 1000.0);
        step_refill := pace.delay_ms::bigint * pace.per_hour;
        per_tick := case when pace.delay_ms > 0 then (pace.budget_ms - pace.timeout_ms) / pace.delay_ms + 1 end;

        -- Ticks until every wanted item is served (the tick that serves the last one runs to its end, as the old walk's did).
        while wanted_left > 0 and steps < 20000 loop
          steps := steps + 1;
          if t < win_from or win is null or t >= upper(win) then
            win_from := t;
            wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, t);
            nw := wc.win;
            win := nw;
          end if;
          exit when win is null;
          if t < lower(win) then
            if rec_tick is not null then
              -- The walked day's claims ended with its last open tick: remembered with the tick that follows it.
              if rec_clean and rec_n > 0 then
                wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, rec_tick);
                nw := wc.win;
                prof_len := upper(nw) - rec_tick;
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
            day_lo := (date_trunc('day', t at time zone s.timezone)) at time zone s.timezone;
            day_hi := (date_trunc('day', t at time zone s.timezone) + interval '1 day') at time zone s.timezone;
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
              fk := f_first;
              while fk <= n_f and m > 0 and (f_ahead[fk] - served - per_tick) / cyc_n < m loop
                if f_exp[fk] is null then
                  m := least(m, greatest((f_ahead[fk] - served - per_tick) / cyc_n,
                    floor(extract(epoch from f_elig[fk] - interval '2 minutes' - t) / extract(epoch from cyc))));
                end if;
                fk := fk + 1;
              end loop;
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
            -- A future item goes at the first claim both past its place and at its time: the batch stops short of the earliest.
            fk := f_first;
            while fk <= n_f and f_ahead[fk] - served < batch loop
              if f_exp[fk] is null then
                batch := least(batch, greatest(f_ahead[fk] - served, ceil(extract(epoch from f_elig[fk] - claim_at) * 1000 / pace.delay_ms)));
              end if;
              fk := fk + 1;
            end loop;
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
              wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, claim_at);
              nw := wc.win;
              win := nw;
            end if;
            if win is null or claim_at < lower(win) then
              stop := 'window';
              exit;
            end if;
            if claim_at >= day_hi then
              rec_clean := false;
              day_lo := (date_trunc('day', claim_at at time zone s.timezone)) at time zone s.timezone;
              day_hi := (date_trunc('day', claim_at at time zone s.timezone) + interval '1 day') at time zone s.timezone;
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
              wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, rec_tick);
              nw := wc.win;
              prof_len := upper(nw) - rec_tick;
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
         where q.id = any (wanted) and q.user_id = pair_user and q.client_id = pair_client
           and (q.status <> 'pending' or wanted_left + n_w + n_f = 0)
      loop
        queue_item_id := item.id;
        holiday_name := null;
        error_code := null;
        attempt := item.attempts;
        max_attempts := item.max_attempts;
        expected_send_at := item.expected;
        waiting_until := null;
        -- Asked only of an item that reaches that reason: a page of scheduled items reads no window.
        if open_now is null and s.user_id is not null and s.processing_state <> 'paused' and item.status not in ('queued', 'processing')
           and not coalesce(item.next_attempt_at > at, false) and not coalesce(item.scheduled_for > at, false) then
          -- Whether the window is open at `at` depends on the window's rules alone: asked once a call for the same rules.
          ci := array_position(oc_sig, pr.sig);
          if ci is null then
            open_now := (private.window_check(s, at)).allowed;
            oc_sig := oc_sig || pr.sig;
            oc_open := oc_open || open_now;
          else
            open_now := oc_open[ci];
          end if;
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
            wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, at);
            nw := wc.win;
            next_open := nw;
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
              wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, at);
              nw := wc.win;
              today_close := nw;
              wc := private.next_window_kept(wc.wc_sig, wc.wc_from, wc.wc_win, s, pr.sig, upper(today_close));
              nw := wc.win;
              next_open := nw;
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
    end;
  end loop;
end
$$;
revoke all on function private.pairs_outlook(uuid[], uuid[], uuid[], timestamptz) from public, anon;
grant execute on function private.pairs_outlook(uuid[], uuid[], uuid[], timestamptz) to authenticated, service_role;
