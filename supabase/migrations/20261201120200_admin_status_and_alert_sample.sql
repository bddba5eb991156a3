-- admin status and alert sample: the dashboard's numbers per (admin, client), counted exactly as queue_status() counts
-- them (so the cards, the per-admin table and the alerts agree), and a failure-rate alert that needs a sample.

-- Per (admin, client), over exactly queue_status()'s set (own items, a managed client's, a departed admin's in a client
-- the caller administers), narrowed to one client by for_client: waiting and in-flight items now, and the items that
-- finished as sent or failed since `since`. Security definer for the same reason as private.visible_active_counts().
create function private.visible_counts_by_admin(since timestamptz, for_client uuid)
returns table (user_id uuid, client_id uuid, depth bigint, queued bigint, processing bigint, oldest_due timestamptz, sent bigint, failed bigint)
language sql stable security definer
set search_path = ''
as $$
  select v.user_id, v.client_id,
         count(*) filter (where v.status = 'pending'),
         count(*) filter (where v.status = 'queued'),
         count(*) filter (where v.status = 'processing'),
         min(v.scheduled_for) filter (where v.status = 'pending' and v.scheduled_for <= now()),
         count(*) filter (where v.status = 'sent' and v.processed_at >= since),
         count(*) filter (where v.status = 'failed' and v.processed_at >= since)
    from (
      select q.user_id, q.client_id, q.status, q.scheduled_for, q.processed_at from public.whatsapp_message_queue q
       where (q.status in ('pending', 'queued', 'processing') or (q.status in ('sent', 'failed') and q.processed_at >= since))
         and q.client_id = any (array(select private.manager_client_ids()))
         and (for_client is null or q.client_id = for_client)
      union all
      select q.user_id, q.client_id, q.status, q.scheduled_for, q.processed_at from public.whatsapp_message_queue q
       where (q.status in ('pending', 'queued', 'processing') or (q.status in ('sent', 'failed') and q.processed_at >= since))
         and q.user_id = (select auth.uid())
         and q.client_id = any (array(select private.member_client_ids()))
         and not (q.client_id = any (array(select private.manager_client_ids())))
         and (for_client is null or q.client_id = for_client)
      union all
      select q.user_id, q.client_id, q.status, q.scheduled_for, q.processed_at from public.whatsapp_message_queue q
       where (q.status in ('pending', 'queued', 'processing') or (q.status in ('sent', 'failed') and q.processed_at >= since))
         and q.user_id = any (array(select d.user_id from private.departed_owners() d))
         and (q.client_id, q.user_id) in (select d.client_id, d.user_id from private.departed_owners() d)
         and not (q.client_id = any (array(select private.manager_client_ids())))
         and (for_client is null or q.client_id = for_client)
    ) v
   group by v.user_id, v.client_id
$$;
revoke all on function private.visible_counts_by_admin(timestamptz, uuid) from public, anon;
grant execute on function private.visible_counts_by_admin(timestamptz, uuid) to authenticated, service_role;

-- One row per (admin, client) the caller may see (their own settings rows, or every admin row of a client they
-- manage, plus anyone who still owns visible items); the rows add up to queue_status(for_client)'s counts.
create function public.queue_admin_status(for_client uuid default null)
returns table (
  user_id uuid, client_id uuid, email text, depth integer, queued integer, processing integer, sent_24h integer,
  failed_24h integer, success_rate numeric, oldest_pending_seconds integer, processing_state public.processing_state,
  last_processor_run_at timestamptz
)
language sql stable
set search_path = ''
as $$
  with counts as (
    select * from private.visible_counts_by_admin(now() - interval '24 hours', for_client)
  ), admins as (
    select s.user_id, s.client_id, s.created_at from public.user_queue_settings s
     where for_client is null or s.client_id = for_client
    union
    select c.user_id, c.client_id, null from counts c
     where not exists (select 1 from public.user_queue_settings s where s.user_id = c.user_id and s.client_id = c.client_id)
  )
  select a.user_id, a.client_id, private.member_email(a.user_id),
         coalesce(c.depth, 0)::integer, coalesce(c.queued, 0)::integer, coalesce(c.processing, 0)::integer,
         coalesce(c.sent, 0)::integer, coalesce(c.failed, 0)::integer,
         case when coalesce(c.sent + c.failed, 0) = 0 then null else round(100.0 * c.sent / (c.sent + c.failed), 1) end,
         case when c.oldest_due is null then null else greatest(0, extract(epoch from now() - c.oldest_due))::integer end,
         s.processing_state, s.last_processor_run_at
    from admins a
    left join counts c on c.user_id = a.user_id and c.client_id = a.client_id
    left join public.user_queue_settings s on s.user_id = a.user_id and s.client_id = a.client_id
   order by a.created_at nulls last, a.user_id, a.client_id
$$;
revoke all on function public.queue_admin_status(uuid) from public, anon;
grant execute on function public.queue_admin_status(uuid) to authenticated, service_role;

-- The spec's five alerts as 20261201100600 defines them, except that the failure rate speaks only from 20 finished
-- items in 24 h: one failure out of seven is not a critical rate.
create or replace function public.queue_alerts()
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
