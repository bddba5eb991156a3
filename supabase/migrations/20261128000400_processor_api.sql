-- The processor-facing SQL API (service role only): claim with leases, start, complete, fail with
-- backoff, token buckets, delivery outcomes and the retention purge.

create function public.claim_queue_batch(worker_id text, max_items integer, lease_seconds integer default 300, for_user uuid default null)
returns setof public.whatsapp_message_queue
language plpgsql
set search_path = ''
as $$
declare
  expired_ids uuid[];
  pending_ids uuid[];
  candidate_ids uuid[];
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

  -- Items whose worker died and that used up their attempts end here instead of looping forever.
  update public.whatsapp_message_queue q
     set status = 'failed', locked_by = null, locked_until = null, processed_at = now(),
         last_error = 'Lease expired after the last attempt', error_code = 'lease_expired'
   where q.id in (
     select e.id from public.whatsapp_message_queue e
      where e.status in ('queued', 'processing') and e.locked_until < now() and e.attempts >= e.max_attempts
        and (for_user is null or e.user_id = for_user)
      for update skip locked);

  -- Two index-served candidate sets (expired leases, due pending items), each in claim order and
  -- locked with SKIP LOCKED; rows locked here but not taken stay locked only until this transaction ends.
  if for_user is null then
    select array_agg(e.id) into expired_ids from (
      select x.id from public.whatsapp_message_queue x
       where x.status in ('queued', 'processing') and x.locked_until < now()
       order by x.priority desc, x.scheduled_for, x.id
       limit max_items for update skip locked) e;
    select array_agg(p.id) into pending_ids from (
      select x.id from public.whatsapp_message_queue x
       where x.status = 'pending' and x.scheduled_for <= now()
         and (x.next_attempt_at is null or x.next_attempt_at <= now())
       order by x.priority desc, x.scheduled_for, x.id
       limit max_items for update skip locked) p;
  else
    select array_agg(e.id) into expired_ids from (
      select x.id from public.whatsapp_message_queue x
       where x.status in ('queued', 'processing') and x.locked_until < now() and x.user_id = for_user
       order by x.priority desc, x.scheduled_for, x.id
       limit max_items for update skip locked) e;
    select array_agg(p.id) into pending_ids from (
      select x.id from public.whatsapp_message_queue x
       where x.status = 'pending' and x.user_id = for_user and x.scheduled_for <= now()
         and (x.next_attempt_at is null or x.next_attempt_at <= now())
       order by x.priority desc, x.scheduled_for, x.id
       limit max_items for update skip locked) p;
  end if;

  if expired_ids is null then
    candidate_ids := pending_ids;
  else
    select array_agg(c.id) into candidate_ids from (
      select x.id from public.whatsapp_message_queue x
       where x.id = any (expired_ids || coalesce(pending_ids, '{}'))
       order by x.priority desc, x.scheduled_for, x.id
       limit max_items) c;
  end if;

  if candidate_ids is null then
    return;
  end if;

  return query
  with claimed as (
    update public.whatsapp_message_queue q
       set status = 'queued',
           locked_by = worker_id,
           locked_until = now() + make_interval(secs => lease_seconds),
           attempts = q.attempts + 1,
           next_attempt_at = null
     where q.id = any (candidate_ids)
    returning q.*
  )
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
  public.claim_queue_batch(text, integer, integer, uuid),
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
  public.claim_queue_batch(text, integer, integer, uuid),
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
