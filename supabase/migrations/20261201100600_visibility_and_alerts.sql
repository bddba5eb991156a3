-- visibility and alerts: the dashboard's counts follow the queue's new read policy (a departed admin's items count for
-- the client's admins) and may be narrowed to one client (an admin of two clients picks one in the SPA); the
-- business-hours alert counts what queue-leads and enqueue_leads really write (`queue_rejected` with the code), and the
-- throughput alert reads each (admin, client) pair on its own.

drop function public.queue_status();
drop function public.queue_alerts();
drop function private.visible_active_counts();
drop function private.visible_finished_counts(timestamptz);

-- Security definer, as before: aggregates over exactly the policy's set (own items, a managed client's, a departed
-- admin's in a client the caller administers), from index-only scans; for_client narrows it to one client.
create function private.visible_active_counts(for_client uuid,
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
         and (for_client is null or q.client_id = for_client)
      union all
      select q.status, q.scheduled_for, q.next_attempt_at from public.whatsapp_message_queue q
       where q.status in ('pending', 'queued', 'processing')
         and q.user_id = (select auth.uid())
         and q.client_id = any (array(select private.member_client_ids()))
         and not (q.client_id = any (array(select private.manager_client_ids())))
         and (for_client is null or q.client_id = for_client)
      union all
      select q.status, q.scheduled_for, q.next_attempt_at from public.whatsapp_message_queue q
       where q.status in ('pending', 'queued', 'processing')
         and q.user_id = any (array(select d.user_id from private.departed_owners() d))
         and (q.client_id, q.user_id) in (select d.client_id, d.user_id from private.departed_owners() d)
         and not (q.client_id = any (array(select private.manager_client_ids())))
         and (for_client is null or q.client_id = for_client)
    ) v
$$;

create function private.visible_finished_counts(since timestamptz, for_client uuid, out sent bigint, out failed bigint)
language sql stable security definer
set search_path = ''
as $$
  select count(*) filter (where v.status = 'sent'), count(*) filter (where v.status = 'failed')
    from (
      select q.status from public.whatsapp_message_queue q
       where q.status in ('sent', 'failed') and q.processed_at >= since
         and q.client_id = any (array(select private.manager_client_ids()))
         and (for_client is null or q.client_id = for_client)
      union all
      select q.status from public.whatsapp_message_queue q
       where q.status in ('sent', 'failed') and q.processed_at >= since
         and q.user_id = (select auth.uid())
         and q.client_id = any (array(select private.member_client_ids()))
         and not (q.client_id = any (array(select private.manager_client_ids())))
         and (for_client is null or q.client_id = for_client)
      union all
      select q.status from public.whatsapp_message_queue q
       where q.status in ('sent', 'failed') and q.processed_at >= since
         and q.user_id = any (array(select d.user_id from private.departed_owners() d))
         and (q.client_id, q.user_id) in (select d.client_id, d.user_id from private.departed_owners() d)
         and not (q.client_id = any (array(select private.manager_client_ids())))
         and (for_client is null or q.client_id = for_client)
    ) v
$$;
revoke all on function private.visible_active_counts(uuid), private.visible_finished_counts(timestamptz, uuid) from public, anon;
grant execute on function private.visible_active_counts(uuid), private.visible_finished_counts(timestamptz, uuid) to authenticated, service_role;

-- The dashboard's counts in one round trip, for every client the caller sees or for one (for_client).
create function public.queue_status(for_client uuid default null)
returns table (
  depth integer, queued integer, processing integer, due_now integer, sent_24h integer, failed_24h integer,
  success_rate numeric, oldest_pending_seconds integer, processing_state public.processing_state,
  last_processor_run_at timestamptz, sending_paused_until timestamptz
)
language sql stable
set search_path = ''
as $$
  with active as (
    select * from private.visible_active_counts(for_client)
  ), finished as (
    select * from private.visible_finished_counts(now() - interval '24 hours', for_client)
  ), settings as (
    -- The caller's own state where they are an admin; a manager sees whether any of the client's admins runs.
    select (array_agg(s.processing_state) filter (where s.user_id = (select auth.uid()) and s.client_id in (select private.admin_client_ids())))[1] as own_state,
           bool_or(s.processing_state = 'running') as any_running,
           max(s.last_processor_run_at) as last_run
      from public.user_queue_settings s
     where for_client is null or s.client_id = for_client
  )
  select a.depth::integer, a.queued::integer, a.processing::integer, a.due_now::integer,
         f.sent::integer, f.failed::integer,
         case when f.sent + f.failed = 0 then null else round(100.0 * f.sent / (f.sent + f.failed), 1) end,
         case when a.oldest_due is null then null else greatest(0, extract(epoch from now() - a.oldest_due))::integer end,
         coalesce(st.own_state, case when st.any_running then 'running'::public.processing_state when st.any_running is not null then 'paused'::public.processing_state end),
         st.last_run,
         (select max(c.sending_paused_until) from public.clients c
           where c.sending_paused_until > now() and (for_client is null or c.id = for_client))
    from active a, finished f, settings st
$$;

-- The spec's five alerts over what the caller may see. Thresholds: depth > 500; fewer than 20 sent in the last hour
-- while an (admin, client) pair's window has been open all hour, it runs and due work waits; failure rate > 10 % over
-- 24 h; 3 or more 429 answers in the last hour; any business-hours refusal (queue_rejected) in 24 h.
create function public.queue_alerts()
returns table (code text, severity text, message text, value numeric, threshold numeric, user_id uuid)
language sql stable
set search_path = ''
as $$
  with depth as (
    select a.depth as n from private.visible_active_counts(null) a
  ), finished as (
    select * from private.visible_finished_counts(now() - interval '24 hours', null)
  ), slow as (
    select s.user_id,
           (select count(*) from public.whatsapp_message_queue q
             where q.user_id = s.user_id and q.client_id = s.client_id and q.status = 'sent'
               and q.processed_at >= now() - interval '1 hour') as sent_last_hour
      from public.user_queue_settings s
     where s.processing_state = 'running'
       and private.is_window_open(s, now())
       and private.is_window_open(s, now() - interval '1 hour')
       and exists (select 1 from public.whatsapp_message_queue q
                    where q.user_id = s.user_id and q.client_id = s.client_id and q.status = 'pending' and q.scheduled_for <= now()
                      and (q.next_attempt_at is null or q.next_attempt_at <= now()))
  ), throttled as (
    select count(*) as n from public.queue_audit_log a
     where a.created_at >= now() - interval '1 hour' and a.details ->> 'error_code' = 'http_429'
  ), violations as (
    select count(*) as n from public.queue_audit_log a
     where a.created_at >= now() - interval '24 hours' and a.action = 'queue_rejected'
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

revoke all on function public.queue_status(uuid), public.queue_alerts() from public, anon;
grant execute on function public.queue_status(uuid), public.queue_alerts() to authenticated, service_role;
