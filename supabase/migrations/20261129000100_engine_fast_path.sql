-- The engine's fast path, from the benchmarks (bench/results/latest.md, suite 1):
-- * claim_queue_batch gains `start_now`: items claimed to be sent at once go straight to processing
--   (pending -> processing), one transaction and one audited transition less than claim -> start.
-- * The claim is one statement, run with its generic plan. plpgsql re-planned the four
--   statements of the old body on every call (custom plans: ~0.2 ms of a 0.4 ms claim); the new
--   statement reaches the rows through `id = any (array(...))`, a plan that holds for every parameter
--   value (a join on the CTE instead made the generic plan hash-join the whole queue).
-- * The sweep of exhausted leases runs only when there is one: an UPDATE that changes nothing still
--   fires the statement-level audit trigger.
-- * The hourly rollup is sharded over 1024 slots instead of 16: workers whose pids collided waited on
--   each other's row lock until commit (a small effect on 2 cores; it grows with the worker count).
-- * claim_queue_batch gains `daily_cap`/`today`: the processor's capacity check is made atomic with
--   the claim (overlapping runs each read the same room before claiming, and together overshot it).
-- * The audit log's foreign keys are replaced by delete triggers: every transition's audit row ran two
--   RI checks that lock the client's and the admin's row FOR KEY SHARE, the same two rows for every
--   worker of a client.

create or replace function private.is_legal_transition(from_status public.queue_item_status, to_status public.queue_item_status)
returns boolean
language sql immutable
set search_path = ''
as $$
  select from_status = to_status or (from_status, to_status) in (
    ('pending'::public.queue_item_status, 'queued'::public.queue_item_status),
    ('pending', 'cancelled'),
    ('pending', 'processing'),
    ('queued', 'processing'),
    ('queued', 'pending'),
    ('queued', 'failed'),
    ('queued', 'cancelled'),
    ('processing', 'sent'),
    ('processing', 'pending'),
    ('processing', 'failed'),
    ('processing', 'queued'),
    ('sent', 'failed'),
    ('failed', 'pending')
  )
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
           -- A dead worker's lease taken over: back to queued, or straight into processing (claimed with start_now).
           when o.status in ('queued', 'processing') and n.status in ('queued', 'processing')
                and (n.status = 'queued' or n.locked_by is distinct from o.locked_by) then 'lease_reclaimed'
           when n.status = 'queued' then 'claimed'
           -- From queued, or straight from pending when claimed with start_now (from_status says which).
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
  where n.status <> o.status or (n.status in ('queued', 'processing') and n.locked_by is distinct from o.locked_by);

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

drop function public.claim_queue_batch(text, integer, integer, uuid);

-- Claims up to max_items due items of one admin (or of everyone) in priority order, expired leases
-- first among equals; SKIP LOCKED, so concurrent claimers never take the same item. The claim counts an
-- attempt. start_now: the caller sends them at once (no pacing delay), so they go straight to processing.
-- daily_cap (with for_user and today, the admin's local day as [start, end)): take no more than the cap
-- minus what was sent today and what is in flight, decided under a per-admin lock, so that overlapping
-- processor runs cannot together overshoot the admin's daily capacity.
create function public.claim_queue_batch(worker_id text, max_items integer, lease_seconds integer default 300,
  for_user uuid default null, start_now boolean default false, daily_cap integer default null, today tstzrange default null)
returns setof public.whatsapp_message_queue
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  wanted integer := max_items;
begin
  if worker_id is null or char_length(worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1..200 characters' using errcode = '22023';
  end if;
  if max_items is null or max_items not between 1 and 1000 then
    raise exception 'max_items must be between 1 and 1000' using errcode = '22023';
  end if;
  if lease_seconds is null or lease_seconds not between 1 and 3600 then
    raise exception 'lease_seconds must be between 1 and 3600' using errcode = '22023';
  end if;
  if daily_cap is not null then
    if daily_cap < 0 or for_user is null or today is null or lower(today) is null or upper(today) is null then
      raise exception 'daily_cap needs for_user and a bounded today, and must be >= 0' using errcode = '22023';
    end if;
    -- Held to commit: a concurrent claim for this admin counts what this one takes as in flight.
    perform pg_advisory_xact_lock(hashtextextended('lq.claim:' || for_user::text, 0));
    -- Expired leases are not counted: this claim may take them back, and then they count as claimed.
    wanted := least(max_items, daily_cap
      - (select count(*) from public.whatsapp_message_queue q
          where q.user_id = for_user and q.status = 'sent' and q.processed_at >= lower(today) and q.processed_at < upper(today))::integer
      - (select count(*) from public.whatsapp_message_queue q
          where q.user_id = for_user and q.status in ('queued', 'processing') and q.locked_until >= now())::integer);
    if wanted <= 0 then
      return;
    end if;
  end if;

  -- Items whose worker died after their last attempt end here instead of looping forever
  -- (probed first: a statement that changes nothing still fires the statement-level audit trigger).
  if exists (select 1 from public.whatsapp_message_queue e
              where e.status in ('queued', 'processing') and e.locked_until < now() and e.attempts >= e.max_attempts
                and (for_user is null or e.user_id = for_user)) then
    update public.whatsapp_message_queue q
       set status = 'failed', locked_by = null, locked_until = null, processed_at = now(),
           last_error = 'Lease expired after the last attempt', error_code = 'lease_expired'
     where q.id = any (array(
       select e.id from public.whatsapp_message_queue e
        where e.status in ('queued', 'processing') and e.locked_until < now() and e.attempts >= e.max_attempts
          and (for_user is null or e.user_id = for_user)
        for update skip locked));
  end if;

  -- The due items come from one of two gated scans: `for_user is not null` / `is null` are one-time
  -- filters, so only one runs. A single `for_user is null or x.user_id = for_user` would, under the
  -- generic plan, never reach the per-admin claim index, and one admin's claim would step over every
  -- other admin's due items. In-flight items (the expired-lease scan) are few, so there the OR is fine.
  return query
  with expired as (
    select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
     where x.status in ('queued', 'processing') and x.locked_until < now() and (for_user is null or x.user_id = for_user)
     order by x.priority desc, x.scheduled_for, x.id limit wanted for update skip locked
  ), due_for_user as (
    select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
     where for_user is not null and x.status = 'pending' and x.user_id = for_user and x.scheduled_for <= now()
       and (x.next_attempt_at is null or x.next_attempt_at <= now())
     order by x.priority desc, x.scheduled_for, x.id limit wanted for update skip locked
  ), due_for_all as (
    select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
     where for_user is null and x.status = 'pending' and x.scheduled_for <= now()
       and (x.next_attempt_at is null or x.next_attempt_at <= now())
     order by x.priority desc, x.scheduled_for, x.id limit wanted for update skip locked
  ), claimed as (
    update public.whatsapp_message_queue q
       set status = case when start_now then 'processing'::public.queue_item_status else 'queued' end,
           locked_by = worker_id, locked_until = now() + make_interval(secs => lease_seconds),
           attempts = q.attempts + 1, next_attempt_at = null
     where q.id = any (array(
       select c.id from (select * from expired union all select * from due_for_user union all select * from due_for_all) c
        order by c.priority desc, c.scheduled_for, c.id limit wanted))
    returning q.*)
  select * from claimed c order by c.priority desc, c.scheduled_for, c.id;
end
$$;

revoke all on function public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange) from public, anon, authenticated;
grant execute on function public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange) to service_role;

create or replace function private.metrics_shard() returns smallint
language sql stable
set search_path = ''
as $$ select (pg_backend_pid() % 1024)::smallint $$;

alter table public.queue_audit_log
  drop constraint queue_audit_log_client_id_fkey,
  drop constraint queue_audit_log_user_id_fkey;

-- What the foreign keys did on delete: a deleted client takes its audit trail along, a deleted user
-- leaves the trail without their id.
create function private.forget_client_audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.queue_audit_log a where a.client_id = old.id;
  return null;
end
$$;
create trigger clients_forget_audit after delete on public.clients
  for each row execute function private.forget_client_audit();

create function private.forget_user_audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.queue_audit_log a set user_id = null where a.user_id = old.id;
  return null;
end
$$;
create trigger users_forget_audit after delete on auth.users
  for each row execute function private.forget_user_audit();

revoke all on function private.forget_client_audit(), private.forget_user_audit() from public;

comment on column public.whatsapp_message_queue.status is
  'pending -> queued (claimed) -> processing (webhook in flight) -> sent | failed; pending -> processing when claimed to be sent at once (claim_queue_batch start_now); pending|queued -> cancelled; failed -> pending (retry). Only the service role moves items past pending.';
