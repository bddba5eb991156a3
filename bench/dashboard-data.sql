-- Dashboard-at-scale fixture: :rows queue items over 50 admins and 3 clients (+1 manager each),
-- rows/4 leads, spread over 30 days with a realistic status mix, audit rows and the hourly rollup.
-- Bulk-loaded with session_replication_role = replica (triggers and FK checks off; the data is
-- built consistent), then the metrics rollup is rebuilt from the queue in one INSERT … SELECT.
-- The bulk tables' indexes (all but those behind constraints) are dropped for the load and built once after it:
-- maintaining eighteen queue indexes row by row was most of a 1M-row load.
-- Placeholders: __ROWS__.
set session_replication_role = replica;
set maintenance_work_mem = '256MB';

create temporary table bench_indexes as
select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
from pg_index i
where i.indrelid in ('public.leads'::regclass, 'public.whatsapp_message_queue'::regclass, 'public.queue_audit_log'::regclass)
  and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid);

do $$
declare
  ix record;
begin
  for ix in select name from bench_indexes loop
    execute format('drop index %s', ix.name);
  end loop;
end
$$;

create temporary table bench_params as select __ROWS__::bigint as rows, (__ROWS__ / 4)::bigint as leads, now() as t_now;

insert into public.clients (id, name)
select ('00000000-0000-4000-9000-' || lpad(c::text, 12, '0'))::uuid, 'Bench client ' || c from generate_series(0, 2) c;

-- Admins a = 0..49 belong to client a % 3; managers 0..2 to client c.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000'::uuid, ('00000000-0000-4000-a000-' || lpad(a::text, 12, '0'))::uuid, 'authenticated', 'authenticated',
       'admin' || a || '@bench.test', extensions.crypt('testtesttest', extensions.gen_salt('bf', 4)), now(),
       '{"provider":"email","providers":["email"]}'::jsonb, now(), now()
from generate_series(0, 49) a
union all
select '00000000-0000-0000-0000-000000000000'::uuid, ('00000000-0000-4000-b000-' || lpad(c::text, 12, '0'))::uuid, 'authenticated', 'authenticated',
       'manager' || c || '@bench.test', extensions.crypt('testtesttest', extensions.gen_salt('bf', 4)), now(),
       '{"provider":"email","providers":["email"]}'::jsonb, now(), now()
from generate_series(0, 2) c;

insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), 'email', now(), now()
from auth.users u where u.email like '%@bench.test';

insert into public.client_members (client_id, user_id, role)
select ('00000000-0000-4000-9000-' || lpad((a % 3)::text, 12, '0'))::uuid, ('00000000-0000-4000-a000-' || lpad(a::text, 12, '0'))::uuid, 'admin'::public.member_role
from generate_series(0, 49) a
union all
select ('00000000-0000-4000-9000-' || lpad(c::text, 12, '0'))::uuid, ('00000000-0000-4000-b000-' || lpad(c::text, 12, '0'))::uuid, 'manager'::public.member_role
from generate_series(0, 2) c;

-- Half the admins are running; everyone keeps the spec's default hours.
insert into public.user_queue_settings (user_id, client_id, processing_state, max_capacity, daily_target, last_processor_run_at)
select ('00000000-0000-4000-a000-' || lpad(a::text, 12, '0'))::uuid, ('00000000-0000-4000-9000-' || lpad((a % 3)::text, 12, '0'))::uuid,
       case when a % 2 = 0 then 'running' else 'paused' end::public.processing_state, 100000, 1000, now() - interval '30 seconds'
from generate_series(0, 49) a;

insert into public.leads (id, client_id, name, phone, email, created_at, updated_at)
select md5('bench-lead-' || l)::uuid, ('00000000-0000-4000-9000-' || lpad((l % 3)::text, 12, '0'))::uuid,
       'Lead ' || l, '+9725' || lpad(l::text, 9, '0'), 'lead' || l || '@example.test', p.t_now - interval '31 days', p.t_now - interval '31 days'
from bench_params p, generate_series(0, p.leads - 1) l
-- Stored in a random order with respect to their names, as leads imported over months are: in name order, the leads a
-- search term matches ("Lead 12": 12, 120-129, 1200-1299, ...) sat on a few hundred heap pages, not thousands.
order by md5('bench-lead-' || l);

-- Item i: lead i % leads, round i / leads (0..3, the newest round holds the pending backlog),
-- admin: one of the lead client's admins, u: a pseudo-random uniform in [0, 1).
insert into public.whatsapp_message_queue (
  id, lead_id, client_id, user_id, status, priority, scheduled_for, queued_at, processed_at, attempts, max_attempts,
  locked_by, locked_until, last_error, error_code, agent_trigger_id, created_at, updated_at)
select md5('bench-item-' || g.i)::uuid, md5('bench-lead-' || g.lead)::uuid,
       ('00000000-0000-4000-9000-' || lpad(g.c::text, 12, '0'))::uuid,
       ('00000000-0000-4000-a000-' || lpad((g.c + 3 * ((g.i / 3) % (case when g.c = 2 then 16 else 17 end)))::text, 12, '0'))::uuid,
       g.status,
       (case when g.u * 100 % 10 < 1 then 'high' when g.u * 100 % 10 < 1.2 then 'immediate' when g.u * 100 % 10 < 2 then 'low' else 'normal' end)::public.queue_priority,
       g.created + g.u * interval '2 hours', g.created,
       case when g.status in ('sent', 'failed') then least(g.t_now, g.created + g.u * interval '2 hours' + g.u * interval '10 minutes') end,
       case when g.status = 'pending' then 0 when g.status = 'failed' then 5 else 1 end, 5,
       case when g.status in ('queued', 'processing') then 'bench-worker' end,
       case when g.status in ('queued', 'processing') then g.t_now + interval '5 minutes' end,
       case when g.status = 'failed' then 'Agent DB answered 500' end,
       case when g.status = 'failed' then 'http_500' end,
       case when g.status = 'sent' then 't-' || g.i end,
       g.created, g.created
from (
  select s.i, s.lead, s.c, s.u, s.created, s.t_now,
         (case
            when s.k = 3 then case when s.u < 0.80 then 'pending' when s.u < 0.804 then 'queued' when s.u < 0.806 then 'processing'
                                   when s.u < 0.81 then 'cancelled' else 'sent' end
            else case when s.u < 0.0667 then 'failed' when s.u < 0.08 then 'cancelled' else 'sent' end
          end)::public.queue_item_status as status
  from (
    select i, i % p.leads as lead, (i % p.leads) % 3 as c, least(3, i / p.leads) as k,
           ((i * 2654435761) % 10007) / 10007.0 as u,
           p.t_now - interval '30 days' * (1 - (i + 0.5) / p.rows) as created, p.t_now
    from bench_params p, generate_series(0, p.rows - 1) i
  ) s
) g;

-- Audit: 'enqueued' for every item, and the final transition of every finished one.
insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, from_status, to_status, details, created_at)
select q.client_id, q.user_id, q.user_id, q.id, 'enqueued', null::public.queue_item_status, 'pending'::public.queue_item_status, jsonb_build_object('priority', q.priority), q.created_at
from public.whatsapp_message_queue q
union all
select q.client_id, q.user_id, null, q.id, q.status::text, 'processing'::public.queue_item_status, q.status,
       jsonb_strip_nulls(jsonb_build_object('worker', 'bench-worker', 'attempts', q.attempts, 'error_code', q.error_code)),
       coalesce(q.processed_at, q.updated_at)
from public.whatsapp_message_queue q where q.status in ('sent', 'failed', 'cancelled');

do $$
declare
  ix record;
begin
  for ix in select def from bench_indexes loop
    execute ix.def;
  end loop;
end
$$;

-- The hourly rollup the triggers would have kept: queued by created hour, outcomes by processed hour.
insert into public.queue_performance_metrics (user_id, client_id, hour, queued, sent, failed, retried, cancelled, latency_ms_sum)
select user_id, client_id, hour, sum(queued), sum(sent), sum(failed), 0, sum(cancelled), sum(latency)
from (
  select q.user_id, q.client_id, date_trunc('hour', q.created_at) as hour, count(*) as queued, 0 as sent, 0 as failed, 0 as cancelled, 0::bigint as latency
  from public.whatsapp_message_queue q group by 1, 2, 3
  union all
  select q.user_id, q.client_id, date_trunc('hour', coalesce(q.processed_at, q.updated_at)),
         0, count(*) filter (where q.status = 'sent'), count(*) filter (where q.status = 'failed'), count(*) filter (where q.status = 'cancelled'),
         coalesce(sum((extract(epoch from q.processed_at - q.queued_at) * 1000)::bigint) filter (where q.status = 'sent'), 0)
  from public.whatsapp_message_queue q where q.status in ('sent', 'failed', 'cancelled') group by 1, 2, 3
) x
group by user_id, client_id, hour;

set session_replication_role = origin;
