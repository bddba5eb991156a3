-- claim and agent events: the claim is where every path to a message meets, so the rules that protect the person at
-- the other end are checked there, at the moment of sending:
-- * it never hands out an item whose lead opted out (or is gone), nor one whose owner is not an admin of the item's
--   client right now; a lapsed in-flight item whose lead opted out ends `cancelled` ('opted_out') instead;
-- * an item whose `processing` lease lapsed is claimed as a redelivery (the outcome of its last POST is unknown); the
--   processor sends it with the same webhook-id and `redelivery: true`, and the Agent DB drops it if the first went out;
-- * for_client: the processor serves one (admin, client) pair at a time, with that client's capacity.
-- The Agent DB's callbacks are recorded once per webhook-id (private.agent_event_receipts): a replay is answered as the
-- first was and changes nothing; a delivery_failed about an older attempt never overturns a later success.

drop function public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange);

-- May this item go out now? Its lead exists and has not opted out, and its owner is an admin of its client right now.
-- Never inlined (it has a search_path), so the claim's plan treats it as one opaque filter.
create function private.may_send(lead uuid, client uuid, owner uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (select 1 from public.leads l where l.id = lead and l.opted_out_at is null)
     and exists (select 1 from public.client_members m where m.client_id = client and m.user_id = owner and m.role = 'admin')
$$;
revoke all on function private.may_send(uuid, uuid, uuid) from public, anon, authenticated;
grant execute on function private.may_send(uuid, uuid, uuid) to service_role;

-- Claims up to max_items due items of one admin (for one client, or all of theirs) or of everyone, in priority order,
-- expired leases first among equals; SKIP LOCKED, so concurrent claimers never take the same item. The claim counts an
-- attempt. start_now: the caller sends them at once (no pacing delay), so they go straight to processing.
-- daily_cap (with for_user and today, the admin's local day as [start, end)): take no more than the cap minus what was
-- sent today and what is in flight, decided under a per-admin lock, so that overlapping processor runs cannot together
-- overshoot the admin's daily capacity.
-- The lead and owner checks are one per-row filter, private.may_send (two primary-key probes per candidate). A function
-- because, under the generic plan, subqueries in the filter made the planner expect almost no row to pass and sort every
-- due row instead of walking the claim index to `wanted`; a function call keeps the plan the claim had without them.
-- Planned once (force_generic_plan): re-planning on every call cost about half of a claim (bench/README.md).
create function public.claim_queue_batch(worker_id text, max_items integer, lease_seconds integer default 300,
  for_user uuid default null, start_now boolean default false, daily_cap integer default null, today tstzrange default null,
  for_client uuid default null)
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
    perform pg_advisory_xact_lock(hashtextextended('lq.claim:' || for_user::text || ':' || coalesce(for_client::text, ''), 0));
    -- Expired leases are not counted: this claim may take them back, and then they count as claimed.
    wanted := least(max_items, daily_cap
      - (select count(*) from public.whatsapp_message_queue q
          where q.user_id = for_user and (for_client is null or q.client_id = for_client)
            and q.status = 'sent' and q.processed_at >= lower(today) and q.processed_at < upper(today))::integer
      - (select count(*) from public.whatsapp_message_queue q
          where q.user_id = for_user and (for_client is null or q.client_id = for_client)
            and q.status in ('queued', 'processing') and q.locked_until >= now())::integer);
    if wanted <= 0 then
      return;
    end if;
  end if;

  -- Items whose worker died end here instead of looping: after their last attempt (failed), or when their lead opted
  -- out meanwhile (cancelled: never sent again). Probed first: a statement that changes nothing still fires the
  -- statement-level audit trigger.
  if exists (select 1 from public.whatsapp_message_queue e
              where e.status in ('queued', 'processing') and e.locked_until < now()
                and (for_user is null or e.user_id = for_user)
                and (e.attempts >= e.max_attempts
                     or (select l.opted_out_at from public.leads l where l.id = e.lead_id) is not null)) then
    update public.whatsapp_message_queue q
       set status = case when o.opted_out then 'cancelled'::public.queue_item_status else 'failed' end,
           locked_by = null, locked_until = null,
           processed_at = case when o.opted_out then q.processed_at else now() end,
           last_error = case when o.opted_out then 'The lead opted out' else 'Lease expired after the last attempt' end,
           error_code = case when o.opted_out then 'opted_out' else 'lease_expired' end
      from (select e.id, (select l.opted_out_at from public.leads l where l.id = e.lead_id) is not null as opted_out
              from public.whatsapp_message_queue e
             where e.id = any (array(
               select x.id from public.whatsapp_message_queue x
                where x.status in ('queued', 'processing') and x.locked_until < now()
                  and (for_user is null or x.user_id = for_user)
                  and (x.attempts >= x.max_attempts or (select l.opted_out_at from public.leads l where l.id = x.lead_id) is not null)
                for update skip locked))) o
     where q.id = o.id;
  end if;

  -- The due items come from one of two gated scans: `for_user is not null` / `is null` are one-time
  -- filters, so only one runs. A single `for_user is null or x.user_id = for_user` would, under the
  -- generic plan, never reach the per-admin claim index, and one admin's claim would step over every
  -- other admin's due items. In-flight items (the expired-lease scan) are few, so there the OR is fine.
  return query
  with expired as (
    select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
     where x.status in ('queued', 'processing') and x.locked_until < now()
       and (for_user is null or x.user_id = for_user) and (for_client is null or x.client_id = for_client)
       and private.may_send(x.lead_id, x.client_id, x.user_id)
     order by x.priority desc, x.scheduled_for, x.id limit wanted for update skip locked
  ), due_for_user as (
    select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
     where for_user is not null and x.status = 'pending' and x.user_id = for_user and x.scheduled_for <= now()
       and (x.next_attempt_at is null or x.next_attempt_at <= now())
       and (for_client is null or x.client_id = for_client)
       and private.may_send(x.lead_id, x.client_id, x.user_id)
     order by x.priority desc, x.scheduled_for, x.id limit wanted for update skip locked
  ), due_for_all as (
    select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
     where for_user is null and x.status = 'pending' and x.scheduled_for <= now()
       and (x.next_attempt_at is null or x.next_attempt_at <= now())
       and (for_client is null or x.client_id = for_client)
       and private.may_send(x.lead_id, x.client_id, x.user_id)
     order by x.priority desc, x.scheduled_for, x.id limit wanted for update skip locked
  ), claimed as (
    update public.whatsapp_message_queue q
       set status = case when start_now then 'processing'::public.queue_item_status else 'queued' end,
           locked_by = worker_id, locked_until = now() + make_interval(secs => lease_seconds),
           attempts = q.attempts + 1, next_attempt_at = null,
           -- A lapsed `processing` lease: the last POST may have gone out, so this attempt is a redelivery.
           redelivery = (q.status = 'processing')
     where q.id = any (array(
       select c.id from (select * from expired union all select * from due_for_user union all select * from due_for_all) c
        order by c.priority desc, c.scheduled_for, c.id limit wanted))
    returning q.*)
  select * from claimed c order by c.priority desc, c.scheduled_for, c.id;
end
$$;

-- The Agent DB's later report on a sent item: a conversation id, or a WhatsApp delivery error about one attempt.
-- A report about an attempt older than the item's latest changes nothing (the later attempt may have succeeded).
-- Idempotent: the same report twice changes nothing the second time. Returns the item's status.
drop function public.record_agent_outcome(uuid, text, text, text);
create function public.record_agent_outcome(item_id uuid, conversation_id text default null,
  delivery_error_code text default null, delivery_error_message text default null, attempt integer default null)
returns public.queue_item_status
language plpgsql
set search_path = ''
as $$
declare
  current_status public.queue_item_status;
  current_attempts integer;
begin
  select q.status, q.attempts into current_status, current_attempts from public.whatsapp_message_queue q where q.id = item_id for update;
  if not found then
    raise exception 'Queue item % does not exist', item_id using errcode = 'LQ404', detail = 'not_found';
  end if;
  if delivery_error_code is not null then
    if current_status = 'sent' and (attempt is null or attempt >= current_attempts) then
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

-- One row per callback webhook-id the Agent DB sent: the replay answer, purged with the audit log's retention.
create table private.agent_event_receipts (
  webhook_id text primary key constraint agent_event_receipts_id_length check (char_length(webhook_id) between 1 and 200),
  event text not null constraint agent_event_receipts_event_length check (char_length(event) between 1 and 64),
  outcome jsonb not null default '{}',
  received_at timestamptz not null default now()
);
create index agent_event_receipts_received_idx on private.agent_event_receipts (received_at);
alter table private.agent_event_receipts enable row level security;
revoke all on private.agent_event_receipts from public, anon, authenticated;
grant select, insert, update, delete on private.agent_event_receipts to service_role;

-- agent-callback's one call: the event applied once per webhook-id, in one transaction with its receipt. A report that
-- overtakes the processor's own completion raises LQ409 'not_ready' (no receipt kept, so the Agent DB's retry counts).
create function public.record_agent_event(webhook_id text, event jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  kind text := event ->> 'event';
  item uuid := (event ->> 'queue_item_id')::uuid;
  lead uuid := (event ->> 'lead_id')::uuid;
  replayed jsonb;
  answer jsonb;
  item_status public.queue_item_status;
  item_attempts integer;
  lead_client uuid;
  cancelled integer;
begin
  insert into private.agent_event_receipts as r (webhook_id, event) values (record_agent_event.webhook_id, coalesce(kind, '?'))
  on conflict on constraint agent_event_receipts_pkey do nothing;
  if not found then
    select r.outcome into replayed from private.agent_event_receipts r where r.webhook_id = record_agent_event.webhook_id;
    return replayed || jsonb_build_object('duplicate', true);
  end if;

  if kind in ('conversation_started', 'delivery_failed') then
    select q.attempts into item_attempts from public.whatsapp_message_queue q where q.id = item;
    item_status := public.record_agent_outcome(item, event ->> 'conversation_id', event ->> 'error_code', event ->> 'error_message',
      (event ->> 'attempt')::integer);
    if item_status in ('queued', 'processing') then
      raise exception 'Queue item % is still being sent', item using errcode = 'LQ409', detail = 'not_ready';
    end if;
    answer := jsonb_build_object('queueItemId', item, 'status', item_status,
      'stale', kind = 'delivery_failed' and (event ->> 'attempt')::integer < item_attempts);
  elsif kind in ('lead_opted_out', 'lead_replied') then
    select l.client_id into lead_client from public.leads l where l.id = lead for update;
    if not found then
      raise exception 'Lead % does not exist', lead using errcode = 'LQ404', detail = 'not_found';
    end if;
    if kind = 'lead_opted_out' then
      -- Read by the opt-out trigger: the audit row says the Agent DB did it, and why.
      perform set_config('lq.opt_out', jsonb_strip_nulls(jsonb_build_object('source', 'agent_db', 'keyword', event ->> 'keyword',
        'queue_item_id', item, 'webhook_id', webhook_id))::text, true);
      update public.leads l set opted_out_at = now() where l.id = lead and l.opted_out_at is null;
      perform set_config('lq.opt_out', '', true);
      answer := jsonb_build_object('leadId', lead, 'optedOut', true);
    else
      update public.leads l set last_replied_at = now() where l.id = lead;
      -- A lead in a live conversation is never cold-messaged: its other waiting items end here.
      update public.whatsapp_message_queue q
         set status = 'cancelled', locked_by = null, locked_until = null, error_code = 'lead_replied',
             last_error = 'The lead replied: a conversation is live'
       where q.lead_id = lead and q.status in ('pending', 'queued') and q.id is distinct from item;
      get diagnostics cancelled = row_count;
      insert into public.queue_audit_log (client_id, user_id, queue_item_id, action, details)
      values (lead_client, (select q.user_id from public.whatsapp_message_queue q where q.id = item), item, 'lead_replied',
              jsonb_build_object('lead_id', lead, 'cancelled_items', cancelled, 'webhook_id', webhook_id));
      answer := jsonb_build_object('leadId', lead, 'cancelledItems', cancelled);
    end if;
  else
    raise exception 'Unknown event %', kind using errcode = '22023', detail = 'invalid_input';
  end if;

  update private.agent_event_receipts r set outcome = answer where r.webhook_id = record_agent_event.webhook_id;
  return answer;
end
$$;

revoke all on function
  public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange, uuid),
  public.record_agent_outcome(uuid, text, text, text, integer),
  public.record_agent_event(text, jsonb)
  from public, anon, authenticated;
grant execute on function
  public.claim_queue_batch(text, integer, integer, uuid, boolean, integer, tstzrange, uuid),
  public.record_agent_outcome(uuid, text, text, text, integer),
  public.record_agent_event(text, jsonb)
  to service_role;
