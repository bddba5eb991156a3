-- dashboard depth alert from the counters alone: queue_alerts needs only the visible pending items, which the kept
-- counters give; it read them through private.visible_active_counts, which also looks up each pair's due items (about
-- 3.5 ms of a manager's 13 ms at 1M rows). The counters' read policy, restated once, moves into
-- private.visible_kept_counts, which visible_pair_counts (20261202232100) now reads too.

-- Items waiting and in flight per visible (admin, client) from queue_status_counts: the queue's read policy restated
-- (a managed client's, own items in a member client, a departed admin's in a client the caller administers).
create function private.visible_kept_counts(for_client uuid)
returns table (user_id uuid, client_id uuid, pending bigint, queued bigint, processing bigint)
language sql stable security definer
set search_path = ''
as $$
  select c.user_id, c.client_id,
         coalesce(sum(c.items) filter (where c.status = 'pending'), 0)::bigint,
         coalesce(sum(c.items) filter (where c.status = 'queued'), 0)::bigint,
         coalesce(sum(c.items) filter (where c.status = 'processing'), 0)::bigint
    from public.queue_status_counts c
   where (for_client is null or c.client_id = for_client)
     and (c.client_id in (select private.manager_client_ids())
          or (c.user_id = (select auth.uid()) and c.client_id in (select private.member_client_ids()))
          or (c.client_id, c.user_id) in (select d.client_id, d.user_id from private.departed_owners() d))
   group by c.user_id, c.client_id
$$;
revoke all on function private.visible_kept_counts(uuid) from public, anon;
grant execute on function private.visible_kept_counts(uuid) to authenticated, service_role;

create or replace function private.visible_pair_counts(since timestamptz, for_client uuid)
returns table (user_id uuid, client_id uuid, depth bigint, queued bigint, processing bigint, due_now bigint,
               oldest_due timestamptz, sent bigint, failed bigint)
language sql stable security definer
set search_path = ''
as $$
  select p.user_id, p.client_id, p.pending, p.queued, p.processing,
         p.pending - case when p.pending = 0 then 0 else
           (select count(*) from public.whatsapp_message_queue q
             where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending' and q.scheduled_for > now())
           + (select count(*) from public.whatsapp_message_queue q
               where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending'
                 and q.next_attempt_at is not null and q.next_attempt_at > now() and q.scheduled_for <= now()) end,
         case when p.pending > 0 then
           (select min(q.scheduled_for) from public.whatsapp_message_queue q
             where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending' and q.scheduled_for <= now()) end,
         f.sent, f.failed
    from private.visible_kept_counts(for_client) p
    cross join lateral (
      select count(*) filter (where q.status = 'sent') as sent, count(*) filter (where q.status = 'failed') as failed
        from public.whatsapp_message_queue q
       where since is not null and q.user_id = p.user_id and q.client_id = p.client_id
         and q.status in ('sent', 'failed') and q.processed_at >= since
    ) f
   where p.pending + p.queued + p.processing + f.sent + f.failed > 0
$$;

create or replace function public.queue_alerts(for_client uuid default null)
returns table (code text, severity text, message text, value numeric, threshold numeric, user_id uuid)
language sql stable
set search_path = ''
as $$
  with depth as (
    select coalesce(sum(k.pending), 0)::bigint as n from private.visible_kept_counts(queue_alerts.for_client) k
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
