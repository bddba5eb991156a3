-- monitoring: the dashboard's counts in one round trip, hourly throughput, per-admin performance, the
-- spec's five alerts, and the business window in SQL (for the throughput alert).

-- Is the admin's sending window open at `at`? Weekday hours in their zone (end inclusive to the minute,
-- as the spec compares HH:MM), own closed dates, the IL calendar's closed days and optional short erev chag.
create function private.is_window_open(s public.user_queue_settings, at timestamptz) returns boolean
language sql stable
set search_path = ''
as $$
  select case
    when d.rule is null or not coalesce((d.rule ->> 'enabled')::boolean, false) then false
    when d.local_day = any (s.closed_dates) then false
    when s.holiday_calendar = 'IL' and exists (
      select 1 from public.calendar_closed_days c
       where c.calendar = 'IL' and c.day = d.local_day and c.kind in ('yom_tov', 'modern')) then false
    when s.short_erev_chag and s.holiday_calendar = 'IL' and d.local_time >= s.erev_chag_end::time and exists (
      select 1 from public.calendar_closed_days c
       where c.calendar = 'IL' and c.day = d.local_day and c.kind = 'erev') then false
    else d.local_time >= (d.rule ->> 'start')::time
      and (d.rule ->> 'end' = '24:00' or d.local_time < (d.rule ->> 'end')::time + interval '1 minute')
  end
  from (
    select l.local::date as local_day, l.local::time as local_time,
           s.business_hours -> (array['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'])
             [extract(dow from l.local)::integer + 1] as rule
    from (select at at time zone s.timezone as local) l
  ) d
$$;

-- Security definer: the per-row RLS filter (an OR with a hashed subplan) costs more than reading the
-- index entry itself, and a manager counts a third of every active row of the client. These return
-- only aggregates over exactly the policy's set (the caller's own items OR items of clients they
-- manage), computed from index-only scans; callers must be signed in (auth.uid()).
create function private.visible_active_counts(
  out depth bigint, out queued bigint, out processing bigint, out due_now bigint, out oldest_due timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select count(*) filter (where v.status = 'pending'),
         count(*) filter (where v.status = 'queued'),
         count(*) filter (where v.status = 'processing'),
         count(*) filter (where v.status = 'pending' and v.scheduled_for <= now()
                            and (v.next_attempt_at is null or v.next_attempt_at <= now())),
         min(v.scheduled_for) filter (where v.status = 'pending' and v.scheduled_for <= now())
    from (
      select q.status, q.scheduled_for, q.next_attempt_at from public.whatsapp_message_queue q
       where q.status in ('pending', 'queued', 'processing')
         and q.client_id = any (array(select private.manager_client_ids()))
      union all
      select q.status, q.scheduled_for, q.next_attempt_at from public.whatsapp_message_queue q
       where q.status in ('pending', 'queued', 'processing')
         and q.user_id = (select auth.uid())
         and not (q.client_id = any (array(select private.manager_client_ids())))
    ) v
$$;

create function private.visible_finished_counts(since timestamptz, out sent bigint, out failed bigint)
language sql stable security definer
set search_path = ''
as $$
  select count(*) filter (where v.status = 'sent'), count(*) filter (where v.status = 'failed')
    from (
      select q.status from public.whatsapp_message_queue q
       where q.status in ('sent', 'failed') and q.processed_at >= since
         and q.client_id = any (array(select private.manager_client_ids()))
      union all
      select q.status from public.whatsapp_message_queue q
       where q.status in ('sent', 'failed') and q.processed_at >= since
         and q.user_id = (select auth.uid())
         and not (q.client_id = any (array(select private.manager_client_ids())))
    ) v
$$;
revoke all on function private.visible_active_counts(), private.visible_finished_counts(timestamptz) from public, anon;
grant execute on function private.visible_active_counts(), private.visible_finished_counts(timestamptz) to authenticated, service_role;

create function public.queue_status()
returns table (
  depth integer, queued integer, processing integer, due_now integer, sent_24h integer, failed_24h integer,
  success_rate numeric, oldest_pending_seconds integer, processing_state public.processing_state,
  last_processor_run_at timestamptz, sending_paused_until timestamptz
)
language sql stable
set search_path = ''
as $$
  with active as (
    select * from private.visible_active_counts()
  ), finished as (
    select * from private.visible_finished_counts(now() - interval '24 hours')
  ), settings as (
    select (array_agg(s.processing_state) filter (where s.user_id = (select auth.uid())))[1] as own_state,
           bool_or(s.processing_state = 'running') as any_running,
           max(s.last_processor_run_at) as last_run
      from public.user_queue_settings s
  )
  select a.depth::integer, a.queued::integer, a.processing::integer, a.due_now::integer,
         f.sent::integer, f.failed::integer,
         case when f.sent + f.failed = 0 then null else round(100.0 * f.sent / (f.sent + f.failed), 1) end,
         case when a.oldest_due is null then null else greatest(0, extract(epoch from now() - a.oldest_due))::integer end,
         coalesce(st.own_state, case when st.any_running then 'running'::public.processing_state when st.any_running is not null then 'paused'::public.processing_state end),
         st.last_run,
         (select max(c.sending_paused_until) from public.clients c where c.sending_paused_until > now())
    from active a, finished f, settings st
$$;

create function public.queue_hourly_throughput(hours integer default 24)
returns table (hour timestamptz, queued integer, sent integer, failed integer, retried integer, avg_latency_ms numeric)
language sql stable
set search_path = ''
as $$
  with bounds as (
    select date_trunc('hour', now()) - make_interval(hours => least(greatest(coalesce(queue_hourly_throughput.hours, 24), 1), 720) - 1) as lo,
           date_trunc('hour', now()) as hi
  ), per_hour as (
    select m.hour, sum(m.queued) as queued, sum(m.sent) as sent, sum(m.failed) as failed, sum(m.retried) as retried,
           sum(m.latency_ms_sum) as latency
      from public.queue_performance_metrics m
     where m.hour >= (select lo from bounds) and m.hour <= (select hi from bounds)
     group by m.hour
  )
  select h.hour, coalesce(p.queued, 0)::integer, coalesce(p.sent, 0)::integer, coalesce(p.failed, 0)::integer,
         coalesce(p.retried, 0)::integer,
         case when coalesce(p.sent, 0) = 0 then null else round(p.latency::numeric / p.sent, 0) end
    from bounds b
    cross join lateral generate_series(b.lo, b.hi, interval '1 hour') as h(hour)
    left join per_hour p on p.hour = h.hour
   order by h.hour
$$;

-- Email of a user who shares a client with the caller (auth.users is not readable by users).
create function private.member_email(member uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select u.email::text from auth.users u
   where u.id = member
     and exists (select 1 from public.client_members m
                  where m.user_id = member and m.client_id in (select private.member_client_ids()))
$$;
revoke all on function private.member_email(uuid) from public, anon;
grant execute on function private.member_email(uuid), private.is_window_open(public.user_queue_settings, timestamptz)
  to authenticated, service_role;

create function public.queue_user_performance(days integer default 7)
returns table (user_id uuid, email text, total_queued integer, sent integer, failed integer, retried integer,
               success_rate numeric, avg_latency_ms numeric)
language sql stable
set search_path = ''
as $$
  select m.user_id, private.member_email(m.user_id),
         sum(m.queued)::integer, sum(m.sent)::integer, sum(m.failed)::integer, sum(m.retried)::integer,
         case when sum(m.sent) + sum(m.failed) = 0 then null
              else round(100.0 * sum(m.sent) / (sum(m.sent) + sum(m.failed)), 2) end,
         case when sum(m.sent) = 0 then null else round(sum(m.latency_ms_sum)::numeric / sum(m.sent), 0) end
    from public.queue_performance_metrics m
   where m.hour >= date_trunc('hour', now()) - make_interval(days => least(greatest(coalesce(queue_user_performance.days, 7), 1), 366))
   group by m.user_id
   order by sum(m.queued) desc, m.user_id
$$;

-- The spec's five alerts over what the caller may see. Thresholds: depth > 500; fewer than 20 sent in
-- the last hour while the window has been open all hour, processing runs and due work waits; failure
-- rate > 10 % over 24 h; 3 or more 429 answers in the last hour; any business-hours rejection in 24 h.
create function public.queue_alerts()
returns table (code text, severity text, message text, value numeric, threshold numeric, user_id uuid)
language sql stable
set search_path = ''
as $$
  with depth as (
    select a.depth as n from private.visible_active_counts() a
  ), finished as (
    select * from private.visible_finished_counts(now() - interval '24 hours')
  ), slow as (
    select s.user_id,
           (select count(*) from public.whatsapp_message_queue q
             where q.user_id = s.user_id and q.status = 'sent' and q.processed_at >= now() - interval '1 hour') as sent_last_hour
      from public.user_queue_settings s
     where s.processing_state = 'running'
       and private.is_window_open(s, now())
       and private.is_window_open(s, now() - interval '1 hour')
       and exists (select 1 from public.whatsapp_message_queue q
                    where q.user_id = s.user_id and q.status = 'pending' and q.scheduled_for <= now()
                      and (q.next_attempt_at is null or q.next_attempt_at <= now()))
  ), throttled as (
    select count(*) as n from public.queue_audit_log a
     where a.created_at >= now() - interval '1 hour' and a.details ->> 'error_code' = 'http_429'
  ), violations as (
    select count(*) as n from public.queue_audit_log a
     where a.created_at >= now() - interval '24 hours' and a.action = 'enqueue_rejected'
       and a.details ->> 'code' in ('business_closed', 'outside_business_hours', 'holiday')
  )
  select 'queue_depth', 'warning', format('Queue depth is %s (alert above 500)', d.n), d.n::numeric, 500::numeric, null::uuid
    from depth d where d.n > 500
  union all
  select 'low_throughput', 'warning',
         format('Only %s sent in the last hour during business hours (alert below 20)', s.sent_last_hour),
         s.sent_last_hour::numeric, 20::numeric, s.user_id
    from slow s where s.sent_last_hour < 20
  union all
  select 'failure_rate', 'critical',
         format('Failure rate %s%% over 24 h (alert above 10%%)', round(100.0 * f.failed / (f.sent + f.failed), 1)),
         round(100.0 * f.failed / (f.sent + f.failed), 1), 10::numeric, null::uuid
    from finished f where f.sent + f.failed > 0 and f.failed * 10 > f.sent + f.failed
  union all
  select 'rate_limited', 'warning', format('The Agent DB answered 429 %s times in the last hour', t.n),
         t.n::numeric, 3::numeric, null::uuid
    from throttled t where t.n >= 3
  union all
  select 'business_hours_violation', 'info',
         format('%s queueing attempts outside business hours in the last 24 h', v.n), v.n::numeric, 1::numeric, null::uuid
    from violations v where v.n >= 1
$$;

revoke all on function public.queue_status(), public.queue_hourly_throughput(integer), public.queue_user_performance(integer),
  public.queue_alerts() from public, anon;
grant execute on function public.queue_status(), public.queue_hourly_throughput(integer), public.queue_user_performance(integer),
  public.queue_alerts() to authenticated, service_role;
