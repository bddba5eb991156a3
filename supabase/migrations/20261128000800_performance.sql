-- Performance, measured by `npm run bench` (bench/results/latest.md has the before/after figures):
-- 1. A batch path for the processor: start_queue_items / complete_queue_items move a claimed batch in one
--    statement each (3 transactions per batch instead of 1 + 2k), same lease guards as the single calls.
-- 2. The hourly rollup row was hot: every completion upserted metrics(user, hour) and held its lock until
--    commit, so an admin's workers completed one fsync at a time. The row is sharded per backend (16).
-- 3. queue_status()/queue_alerts() read every active row of every client and dropped the invisible ones in
--    the RLS filter (an OR with a hashed subplan no index serves): 40-50 ms at 1M rows. Covering partial
--    indexes per admin and per client, and two private helpers that aggregate exactly the policy's set
--    (own items, or items of clients the caller manages) from index-only scans.
-- 4. The redundant queue -> clients foreign key goes: (lead_id, client_id) -> leads(id, client_id) already
--    guarantees the client, and cascades the same way through leads.

create or replace function public.start_queue_items(item_ids uuid[], worker_id text) returns setof uuid
language sql
set search_path = ''
as $$
  update public.whatsapp_message_queue q
     set status = 'processing'
   where q.id = any (item_ids) and q.status = 'queued' and q.locked_by = worker_id and q.locked_until > now()
  returning q.id
$$;

create or replace function public.complete_queue_items(item_ids uuid[], worker_id text, agent_trigger_ids text[])
returns setof uuid
language sql
set search_path = ''
as $$
  with done as (
    update public.whatsapp_message_queue q
       set status = 'sent', processed_at = now(), agent_trigger_id = t.trigger_id,
           locked_by = null, locked_until = null, last_error = null, error_code = null
      from unnest(item_ids, agent_trigger_ids) as t(id, trigger_id)
     where q.id = t.id and q.status = 'processing' and q.locked_by = worker_id
    returning q.id, q.lead_id
  ), touched as (
    update public.leads l set last_contacted_at = now() from done d where l.id = d.lead_id returning 1
  )
  select d.id from done d
$$;

revoke all on function public.start_queue_items(uuid[], text), public.complete_queue_items(uuid[], text, text[])
  from public, anon, authenticated;
grant execute on function public.start_queue_items(uuid[], text), public.complete_queue_items(uuid[], text, text[])
  to service_role;



-- Sharded hourly rollup; every reader sums per hour and per admin.
alter table public.queue_performance_metrics add column shard smallint not null default 0;
alter table public.queue_performance_metrics drop constraint queue_performance_metrics_pkey;
alter table public.queue_performance_metrics add constraint queue_performance_metrics_pkey primary key (user_id, hour, shard);

create function private.metrics_shard() returns smallint
language sql stable
set search_path = ''
as $$ select (pg_backend_pid() % 16)::smallint $$;
revoke all on function private.metrics_shard() from public, anon;
grant execute on function private.metrics_shard() to authenticated, service_role;

create or replace function private.record_queue_inserts() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, to_status, details)
  select n.client_id, n.user_id, auth.uid(), n.id, 'enqueued', n.status,
         jsonb_build_object('priority', n.priority, 'scheduled_for', n.scheduled_for)
  from new_rows n;

  insert into public.queue_performance_metrics as m (user_id, client_id, hour, shard, queued)
  select n.user_id, n.client_id, date_trunc('hour', n.created_at), private.metrics_shard(), count(*)
  from new_rows n
  group by 1, 2, 3
  on conflict (user_id, hour, shard) do update set queued = m.queued + excluded.queued;
  return null;
end
$$;

create or replace function private.record_queue_transitions() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, from_status, to_status, details)
  select n.client_id, n.user_id, auth.uid(), n.id,
         case
           when n.status = 'queued' and o.status in ('queued', 'processing') then 'lease_reclaimed'
           when n.status = 'queued' then 'claimed'
           when n.status = 'processing' then 'started'
           when n.status = 'sent' then 'sent'
           when n.status = 'failed' and o.status = 'sent' then 'delivery_failed'
           when n.status = 'failed' then 'failed'
           when n.status = 'cancelled' then 'cancelled'
           when n.status = 'pending' and o.status = 'failed' then 'retried'
           when n.status = 'pending' and o.status = 'queued' and n.attempts < o.attempts then 'released'
           when n.status = 'pending' then 'retry_scheduled'
           else 'updated'
         end,
         o.status, n.status,
         jsonb_strip_nulls(jsonb_build_object(
           'worker', coalesce(n.locked_by, o.locked_by),
           'attempts', n.attempts,
           'error_code', case when n.status in ('pending', 'failed') then n.error_code end,
           'error', case when n.status in ('pending', 'failed') then n.last_error end,
           'next_attempt_at', case when n.status = 'pending' then n.next_attempt_at end
         ))
  from new_rows n
  join old_rows o on o.id = n.id
  where n.status <> o.status or (n.status = 'queued' and n.locked_by is distinct from o.locked_by);

  insert into public.queue_performance_metrics as m (user_id, client_id, hour, shard, sent, failed, retried, cancelled, latency_ms_sum)
  select n.user_id, n.client_id, date_trunc('hour', coalesce(n.processed_at, now())), private.metrics_shard(),
         -- A delivery failure reported after 'sent' moves the item from sent to failed in the same hour.
         count(*) filter (where n.status = 'sent') - count(*) filter (where o.status = 'sent'),
         count(*) filter (where n.status = 'failed'),
         count(*) filter (where n.status = 'pending' and o.status in ('queued', 'processing') and n.attempts >= o.attempts),
         count(*) filter (where n.status = 'cancelled'),
         coalesce(sum((extract(epoch from n.processed_at - n.queued_at) * 1000)::bigint) filter (where n.status = 'sent'), 0)
           - coalesce(sum((extract(epoch from o.processed_at - o.queued_at) * 1000)::bigint) filter (where o.status = 'sent'), 0)
  from new_rows n
  join old_rows o on o.id = n.id
  where n.status <> o.status and n.status in ('sent', 'failed', 'pending', 'cancelled')
  group by 1, 2, 3
  on conflict (user_id, hour, shard) do update set
    sent = m.sent + excluded.sent,
    failed = m.failed + excluded.failed,
    retried = m.retried + excluded.retried,
    cancelled = m.cancelled + excluded.cancelled,
    latency_ms_sum = m.latency_ms_sum + excluded.latency_ms_sum;
  return null;
end
$$;


alter table public.whatsapp_message_queue drop constraint whatsapp_message_queue_client_id_fkey;

create index queue_active_user_idx on public.whatsapp_message_queue (user_id, status, scheduled_for)
  include (client_id, next_attempt_at) where status in ('pending', 'queued', 'processing');
create index queue_active_client_idx on public.whatsapp_message_queue (client_id, status, scheduled_for)
  include (user_id, next_attempt_at) where status in ('pending', 'queued', 'processing');
create index queue_finished_user_idx on public.whatsapp_message_queue (user_id, processed_at)
  include (client_id, status) where status in ('sent', 'failed');
create index queue_finished_client_idx on public.whatsapp_message_queue (client_id, processed_at)
  include (user_id, status) where status in ('sent', 'failed');
-- (3) The list filtered by status (the UI's status tabs), e.g. pending: under RLS a user's
-- `status = 'pending'` can never be an index condition, because enum_eq is not leakproof (it may not
-- run before the policy's quals); only leakproof uuid/timestamptz comparisons can. The planner then
-- hashes every pending row and every lead of the client (EXPLAIN: Hash Join, Seq Scan on leads).
-- A partial index needs no operator call (the predicate is proven from the query), and with id last
-- it yields exactly the UI order (created_at desc, id): a page is an index range read.
create index queue_client_pending_created_idx on public.whatsapp_message_queue (client_id, created_at desc, id)
  where status = 'pending';
-- (4) Hourly throughput joins generate_series to the metrics on hour only: no index has hour first,
-- so every metrics row of every admin (hours × admins, 30+ days) is read on each call.
create index queue_performance_metrics_hour_idx on public.queue_performance_metrics (hour);
-- Every transition is a non-HOT update (status is indexed): each index the new row matches costs the
-- processor a write. queue_finished_idx (processed_at) is covered by the per-admin/per-client ones.
drop index if exists public.queue_finished_idx;

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

create or replace function public.queue_status()
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

create or replace function public.queue_hourly_throughput(hours integer default 24)
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

create or replace function public.queue_alerts()
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
