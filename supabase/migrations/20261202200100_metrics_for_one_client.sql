-- metrics for one client: the dashboard shows one client at a time (an admin of several picks one in the header), and
-- its counts already come from queue_status(for_client); the hourly throughput and the alerts summed every client the
-- caller sees, so an admin of two clients saw the other's sends in this one's chart and its failures in this one's
-- alerts. Both take for_client now, as queue_status does: null keeps every visible client. RLS still decides what is
-- visible (both stay security invoker); the filter only narrows it. Each is dropped and created again rather than
-- overloaded: PostgREST cannot choose between queue_alerts() and queue_alerts(for_client default null).

drop function public.queue_hourly_throughput(integer);
create function public.queue_hourly_throughput(hours integer default 24, for_client uuid default null)
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
       and (queue_hourly_throughput.for_client is null or m.client_id = queue_hourly_throughput.for_client)
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

drop function public.queue_alerts();
create function public.queue_alerts(for_client uuid default null)
returns table (code text, severity text, message text, value numeric, threshold numeric, user_id uuid)
language sql stable
set search_path = ''
as $$
  with depth as (
    select a.depth as n from private.visible_active_counts(queue_alerts.for_client) a
  ), finished as (
    select * from private.visible_finished_counts(now() - interval '24 hours', queue_alerts.for_client)
  ), slow as (
    select s.user_id,
           (select count(*) from public.whatsapp_message_queue q
             where q.user_id = s.user_id and q.client_id = s.client_id and q.status = 'sent'
               and q.processed_at >= now() - interval '1 hour') as sent_last_hour
      from public.user_queue_settings s
     where s.processing_state = 'running'
       and (queue_alerts.for_client is null or s.client_id = queue_alerts.for_client)
       and private.is_window_open(s, now())
       and private.is_window_open(s, now() - interval '1 hour')
       and exists (select 1 from public.whatsapp_message_queue q
                    where q.user_id = s.user_id and q.client_id = s.client_id and q.status = 'pending' and q.scheduled_for <= now()
                      and (q.next_attempt_at is null or q.next_attempt_at <= now()))
  ), throttled as (
    select count(*) as n from public.queue_audit_log a
     where a.created_at >= now() - interval '1 hour' and a.details ->> 'error_code' = 'http_429'
       and (queue_alerts.for_client is null or a.client_id = queue_alerts.for_client)
  ), violations as (
    select count(*) as n from public.queue_audit_log a
     where a.created_at >= now() - interval '24 hours' and a.action = 'queue_rejected'
       and a.details ->> 'code' in ('business_closed', 'outside_business_hours', 'holiday')
       and (queue_alerts.for_client is null or a.client_id = queue_alerts.for_client)
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
    from finished f where f.sent + f.failed >= 20 and f.failed * 10 > f.sent + f.failed
  union all
  select 'rate_limited', 'warning', format('The Agent DB answered 429 %s times in the last hour', t.n),
         t.n::numeric, 3::numeric, null::uuid
    from throttled t where t.n >= 3
  union all
  select 'business_hours_violation', 'info',
         format('%s queueing attempts outside business hours in the last 24 h', v.n), v.n::numeric, 1::numeric, null::uuid
    from violations v where v.n >= 1
$$;

revoke all on function public.queue_hourly_throughput(integer, uuid), public.queue_alerts(uuid) from public, anon;
grant execute on function public.queue_hourly_throughput(integer, uuid), public.queue_alerts(uuid) to authenticated, service_role;
