-- processor api: what the queue-processor function calls (service role only): claim with leases, start,
-- complete, release, fail with backoff, token buckets, the Agent DB's delivery outcomes and the retention purge.

-- Claims up to max_items due items of one admin (or of everyone) in priority order, expired leases
-- first among equals; SKIP LOCKED, so concurrent claimers never take the same item. The claim counts an
-- attempt. start_now: the caller sends them at once (no pacing delay), so they go straight to processing.
-- daily_cap (with for_user and today, the admin's local day as [start, end)): take no more than the cap
-- minus what was sent today and what is in flight, decided under a per-admin lock, so that overlapping
-- processor runs cannot together overshoot the admin's daily capacity.
-- Planned once (force_generic_plan): re-planning on every call cost about half of a claim (bench/README.md).
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

create function public.start_queue_item(item_id uuid, worker_id text) returns boolean
language sql
set search_path = ''
as $$
  with started as (
    update public.whatsapp_message_queue q
       set status = 'processing'
     where q.id = item_id and q.status = 'queued' and q.locked_by = worker_id and q.locked_until > now()
    returning 1
  )
  select exists (select 1 from started)
$$;

create function public.complete_queue_item(item_id uuid, worker_id text, agent_trigger_id text) returns void
language plpgsql
set search_path = ''
as $$
declare
  done_lead uuid;
begin
  -- An expired but unreclaimed lease still completes: the message went out, refusing would send it twice.
  update public.whatsapp_message_queue q
     set status = 'sent', processed_at = now(), agent_trigger_id = complete_queue_item.agent_trigger_id,
         locked_by = null, locked_until = null, last_error = null, error_code = null
   where q.id = item_id and q.status = 'processing' and q.locked_by = worker_id
  returning q.lead_id into done_lead;
  if done_lead is null then
    raise exception 'Queue item % is not in flight for worker %', item_id, worker_id
      using errcode = 'LQ409', detail = 'lease_lost';
  end if;
  update public.leads set last_contacted_at = now() where id = done_lead;
end
$$;

-- Hands claimed but unstarted items back (the run is out of time, or the client was paused):
-- queued -> pending without spending the attempt the claim counted. Returns how many went back.
create function public.release_queue_items(ids uuid[], worker_id text) returns integer
language sql
set search_path = ''
as $$
  with released as (
    update public.whatsapp_message_queue q
       set status = 'pending', locked_by = null, locked_until = null, attempts = greatest(q.attempts - 1, 0)
     where q.id = any (ids) and q.status = 'queued' and q.locked_by = worker_id
    returning 1
  )
  select count(*)::integer from released
$$;

-- The batch path: a claimed batch started / completed in one statement each, same lease guards as the
-- single-item calls (3 transactions per batch instead of 1 + 2k).
create function public.start_queue_items(item_ids uuid[], worker_id text) returns setof uuid
language sql
set search_path = ''
as $$
  update public.whatsapp_message_queue q
     set status = 'processing'
   where q.id = any (item_ids) and q.status = 'queued' and q.locked_by = worker_id and q.locked_until > now()
  returning q.id
$$;

create function public.complete_queue_items(item_ids uuid[], worker_id text, agent_trigger_ids text[])
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

-- Backoff: attempt n waits a random time in [base/2, base] with base = 30 s * 2^(n-1), capped at one hour,
-- so delays grow with attempts; never sooner than the server's Retry-After.
create function private.backoff_seconds(attempt integer) returns double precision
language sql volatile
set search_path = ''
as $$
  select base / 2 + random() * base / 2
  from (select least(3600.0, 30.0 * power(2, greatest(attempt, 1) - 1)) as base) b
$$;

create function public.fail_queue_item(
  item_id uuid, worker_id text, error_message text, error_code text, retryable boolean,
  retry_after_seconds integer default null
) returns public.queue_item_status
language plpgsql
set search_path = ''
as $$
declare
  item public.whatsapp_message_queue;
  delay double precision;
  outcome public.queue_item_status;
begin
  select * into item from public.whatsapp_message_queue q
   where q.id = item_id and q.status in ('queued', 'processing') and q.locked_by = worker_id
   for update;
  if not found then
    raise exception 'Queue item % is not held by worker %', item_id, worker_id
      using errcode = 'LQ409', detail = 'lease_lost';
  end if;

  if coalesce(retryable, false) and item.attempts < item.max_attempts then
    delay := greatest(private.backoff_seconds(item.attempts), coalesce(retry_after_seconds, 0));
    update public.whatsapp_message_queue q
       set status = 'pending', locked_by = null, locked_until = null,
           next_attempt_at = now() + make_interval(secs => delay),
           last_error = left(error_message, 2000), error_code = left(fail_queue_item.error_code, 100)
     where q.id = item_id;
    outcome := 'pending';
  else
    update public.whatsapp_message_queue q
       set status = 'failed', locked_by = null, locked_until = null, processed_at = now(),
           last_error = left(error_message, 2000), error_code = left(fail_queue_item.error_code, 100)
     where q.id = item_id;
    outcome := 'failed';
  end if;
  return outcome;
end
$$;

-- The Agent DB's later report on a sent item: a conversation id, or a WhatsApp delivery error.
-- Idempotent: the same report twice changes nothing the second time. Returns the item's status.
create function public.record_agent_outcome(item_id uuid, conversation_id text default null,
  delivery_error_code text default null, delivery_error_message text default null)
returns public.queue_item_status
language plpgsql
set search_path = ''
as $$
declare
  current_status public.queue_item_status;
begin
  select q.status into current_status from public.whatsapp_message_queue q where q.id = item_id for update;
  if not found then
    raise exception 'Queue item % does not exist', item_id using errcode = 'LQ404', detail = 'not_found';
  end if;
  if delivery_error_code is not null then
    if current_status = 'sent' then
      update public.whatsapp_message_queue q
         set status = 'failed', error_code = left(delivery_error_code, 100),
             last_error = left(coalesce(delivery_error_message, 'WhatsApp delivery failed'), 2000)
       where q.id = item_id;
      return 'failed';
    end if;
    return current_status;
  end if;
  if conversation_id is not null and current_status = 'sent' then
    update public.whatsapp_message_queue q set agent_conversation_id = left(conversation_id, 200)
     where q.id = item_id and q.agent_conversation_id is distinct from left(conversation_id, 200);
  end if;
  return current_status;
end
$$;

-- Continuous token bucket: refills per_hour/3600 tokens a second up to a burst of per_hour/60 (at least 1).
create function public.take_rate_tokens(bucket text, wanted integer, per_hour integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  burst double precision;
  available double precision;
  granted integer;
  stamp timestamptz := clock_timestamp();
begin
  if wanted is null or wanted < 0 then
    raise exception 'wanted must be >= 0' using errcode = '22023';
  end if;
  if per_hour is null or per_hour < 1 then
    raise exception 'per_hour must be >= 1' using errcode = '22023';
  end if;
  burst := greatest(1.0, per_hour / 60.0);
  insert into private.rate_buckets (bucket, tokens, updated_at) values (take_rate_tokens.bucket, burst, stamp)
  on conflict on constraint rate_buckets_pkey do nothing;

  perform 1 from private.rate_buckets b where b.bucket = take_rate_tokens.bucket for update;
  -- Read the clock after waiting for the lock, so time spent queued behind other callers is credited once.
  stamp := clock_timestamp();
  select least(burst, b.tokens + greatest(0, extract(epoch from stamp - b.updated_at)) * per_hour / 3600.0)
    into available
    from private.rate_buckets b where b.bucket = take_rate_tokens.bucket;

  granted := least(wanted, floor(available)::integer);
  update private.rate_buckets b set tokens = available - granted, updated_at = stamp where b.bucket = take_rate_tokens.bucket;
  return granted;
end
$$;

-- GDPR retention: finished items older than their admin's retention_days.
create function public.purge_expired_queue_items() returns integer
language sql
set search_path = ''
as $$
  with purged as (
    delete from public.whatsapp_message_queue q
     using public.user_queue_settings s
     where s.user_id = q.user_id
       and q.status in ('sent', 'failed', 'cancelled')
       and coalesce(q.processed_at, q.updated_at) < now() - make_interval(days => s.retention_days)
    returning 1
  )
  select count(*)::integer from purged
$$;

revoke all on function
  public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange),
  public.start_queue_item(uuid, text),
  public.release_queue_items(uuid[], text),
  public.start_queue_items(uuid[], text),
  public.complete_queue_item(uuid, text, text),
  public.complete_queue_items(uuid[], text, text[]),
  public.fail_queue_item(uuid, text, text, text, boolean, integer),
  public.record_agent_outcome(uuid, text, text, text),
  public.take_rate_tokens(text, integer, integer),
  public.purge_expired_queue_items()
  from public, anon, authenticated;
grant execute on function
  public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange),
  public.start_queue_item(uuid, text),
  public.release_queue_items(uuid[], text),
  public.start_queue_items(uuid[], text),
  public.complete_queue_item(uuid, text, text),
  public.complete_queue_items(uuid[], text, text[]),
  public.fail_queue_item(uuid, text, text, text, boolean, integer),
  public.record_agent_outcome(uuid, text, text, text),
  public.take_rate_tokens(text, integer, integer),
  public.purge_expired_queue_items()
  to service_role;
grant execute on function private.backoff_seconds(integer) to service_role;
