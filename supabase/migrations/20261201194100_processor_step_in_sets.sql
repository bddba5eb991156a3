-- processor step in sets: PostgreSQL spent 10-15 ms of CPU a send, most of it per statement rather than per row: each
-- send was two UPDATEs of the queue (claim_queue_batch's, complete_queue_item's), and each UPDATE fires the statement
-- triggers (the audit insert, the metrics upsert, the Broadcast lookup and realtime.send) and re-plans
-- claim_queue_batch's generic CTEs. A step now settles its finished sends in one UPDATE and takes the items of all its
-- ready pairs in one UPDATE, so those triggers run twice a step, whatever the number of sends in it.
-- * The rules are claim_next_item's, unchanged, in the same order (bench/processor-pg-profile.ts measured the cost):
--   private.claim_check says, per pair, the first refusal or that the pair may take an item (its token taken);
--   private.claim_pairs runs the checks in the step's order and then takes one item per ready pair (priority desc,
--   due time, id; a lapsed lease first among equals; opted-out leads and non-admin owners left out), SKIP LOCKED.
-- * claim_next_item is claim_pairs for one pair, so the outlook's mirror (private.pair_outlook) still mirrors one set
--   of rules.
-- * The owner's membership half of private.may_send is the not_admin check, made once per pair under the settings
--   row's lock; per item only the lead's opt-out is looked at (a function with SET is never inlined: it ran per row).
-- * next_send_at of every pair claimed in the step is written in one UPDATE of the settings rows (after the take, so
--   it is a moment later than before, never earlier: two sends of a pair are never closer than the delay).

create function private.claim_check(worker_id text, for_user uuid, for_client uuid, at timestamptz)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  s public.user_queue_settings;
  pace record;
  paused timestamptz;
  day record;
  active integer;
begin
  select * into s from public.user_queue_settings x where x.user_id = for_user and x.client_id = for_client for update;
  if not found or s.processing_state <> 'running' then
    return jsonb_build_object('reason', 'not_running');
  end if;
  if s.lease_owner is distinct from worker_id or s.lease_until <= now() then
    return jsonb_build_object('reason', 'not_leased');
  end if;
  if not exists (select 1 from public.client_members m where m.client_id = for_client and m.user_id = for_user and m.role = 'admin') then
    return jsonb_build_object('reason', 'not_admin');
  end if;
  if not private.is_window_open(s, at) then
    return jsonb_build_object('reason', 'outside_window');
  end if;
  select c.sending_paused_until into paused from public.clients c where c.id = for_client;
  if paused > at then
    return jsonb_build_object('reason', 'client_paused', 'until', paused);
  end if;
  if s.next_send_at > clock_timestamp() then
    -- wait_ms: relative to the database's clock, so a caller's clock skew cannot make it poll early.
    return jsonb_build_object('reason', 'paced', 'next_send_at', s.next_send_at,
      'wait_ms', ceil(extract(epoch from s.next_send_at - clock_timestamp()) * 1000));
  end if;
  select * into day from private.local_day_bounds(at, s.timezone);
  -- Lapsed leases are not counted: this claim may take one back, and then it counts as claimed.
  select count(*) into active from public.whatsapp_message_queue q
   where q.user_id = for_user and q.client_id = for_client
     and ((q.status = 'sent' and q.processed_at >= day.day_start and q.processed_at < day.day_end)
          or (q.status in ('queued', 'processing') and q.locked_until >= now()));
  if active >= s.max_capacity then
    return jsonb_build_object('reason', 'capacity_reached');
  end if;
  -- Probed before the token, so a pair with nothing to send spends none of the client's budget.
  if not exists (select 1 from public.whatsapp_message_queue x
                  where x.user_id = for_user and x.client_id = for_client and x.status = 'pending' and x.scheduled_for <= now()
                    and (x.next_attempt_at is null or x.next_attempt_at <= now())
                    and exists (select 1 from public.leads l where l.id = x.lead_id and l.opted_out_at is null))
     and not exists (select 1 from public.whatsapp_message_queue x
                      where x.user_id = for_user and x.client_id = for_client and x.status in ('queued', 'processing')
                        and x.locked_until < now()) then
    return jsonb_build_object('reason', 'no_due_items');
  end if;
  pace := private.effective_pacing(s);
  if public.take_rate_tokens('send:' || for_client::text, 1, pace.rate_limit_per_hour) < 1 then
    return jsonb_build_object('reason', 'rate_limited');
  end if;
  return jsonb_build_object('ready', true, 'delay_ms', pace.processing_delay_ms);
end
$$;

-- One answer per pair, in the order claimed (by client, then as given: every caller takes the clients' rate buckets in
-- one order, so concurrent calls cannot deadlock). Once a pair of a client is refused as rate_limited or client_paused,
-- the client's later pairs are refused with the same reason without a check. isolate: a check that raises is that
-- pair's `error` (a subtransaction each) instead of the caller's.
create function private.claim_pairs(worker_id text, pairs jsonb, at timestamptz, lease_seconds integer, isolate boolean)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  c record;
  result jsonb;
  answers jsonb := '[]';
  stopped jsonb := '{}';
  ready jsonb := '[]';
  taken jsonb;
  any_lapsed boolean;
begin
  if lease_seconds is null or lease_seconds not between 1 and 3600 then
    raise exception 'lease_seconds must be between 1 and 3600' using errcode = '22023';
  end if;
  if isolate then
    -- One subtransaction for the whole call; only when something raised, one per pair.
    begin
      return private.claim_pairs(worker_id, pairs, at, lease_seconds, false);
    exception
      when deadlock_detected or serialization_failure then raise;
      when others then null;
    end;
  end if;
  for c in
    select x.user_id, x.client_id
      from rows from (jsonb_to_recordset(pairs) as (user_id uuid, client_id uuid)) with ordinality as x (user_id, client_id, n)
     order by x.client_id, x.n
  loop
    if stopped ? c.client_id::text then
      result := jsonb_build_object('reason', stopped ->> c.client_id::text);
    elsif isolate then
      begin
        result := private.claim_check(worker_id, c.user_id, c.client_id, at);
      exception
        when deadlock_detected or serialization_failure then raise;
        when others then result := jsonb_build_object('error', sqlerrm);
      end;
    else
      result := private.claim_check(worker_id, c.user_id, c.client_id, at);
    end if;
    if result ->> 'reason' in ('rate_limited', 'client_paused') then
      stopped := stopped || jsonb_build_object(c.client_id::text, result ->> 'reason');
    end if;
    result := result || jsonb_build_object('user_id', c.user_id, 'client_id', c.client_id);
    if result ? 'ready' then
      ready := ready || jsonb_build_array(result);
    end if;
    answers := answers || jsonb_build_array(result);
  end loop;
  if jsonb_array_length(ready) = 0 then
    return answers;
  end if;
  -- Lapsed leases are rare: one look at the lease index spares every pair its scan of the items in flight.
  any_lapsed := exists (select 1 from public.whatsapp_message_queue x where x.status in ('queued', 'processing') and x.locked_until < now());

  with wanted as (
    select r.user_id, r.client_id from jsonb_to_recordset(ready) as r (user_id uuid, client_id uuid)
  ), picked as (
    -- claim_queue_batch's order across the two: priority desc, then due time, then id.
    select case when e.id is null then d.id
                when d.id is null then e.id
                when e.priority <> d.priority then case when e.priority > d.priority then e.id else d.id end
                when (e.scheduled_for, e.id) < (d.scheduled_for, d.id) then e.id
                else d.id end as id
      from wanted w
      left join lateral (
        select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
         where any_lapsed and x.user_id = w.user_id and x.client_id = w.client_id and x.status in ('queued', 'processing')
           and x.locked_until < now() and exists (select 1 from public.leads l where l.id = x.lead_id and l.opted_out_at is null)
         order by x.priority desc, x.scheduled_for, x.id limit 1 for update skip locked) e on true
      left join lateral (
        select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
         where x.user_id = w.user_id and x.client_id = w.client_id and x.status = 'pending' and x.scheduled_for <= now()
           and (x.next_attempt_at is null or x.next_attempt_at <= now())
           and exists (select 1 from public.leads l where l.id = x.lead_id and l.opted_out_at is null)
         order by x.priority desc, x.scheduled_for, x.id limit 1 for update skip locked) d on true
  ), claimed as (
    update public.whatsapp_message_queue q
       set status = 'processing', locked_by = worker_id, locked_until = now() + make_interval(secs => lease_seconds),
           attempts = q.attempts + 1, next_attempt_at = null,
           -- A lapsed `processing` lease: the last POST may have gone out, so this attempt is a redelivery.
           redelivery = (q.status = 'processing')
      from picked p
     where q.id = p.id
    returning q.*
  )
  select coalesce(jsonb_object_agg(k.user_id::text || ':' || k.client_id::text, to_jsonb(k)), '{}') into taken from claimed k;

  -- The probe saw an item the take could not have (a lapsed lease of an opted-out lead): the token goes back.
  update private.rate_buckets b set tokens = b.tokens + g.n
    from (select 'send:' || r.client_id::text as bucket, count(*) as n from jsonb_to_recordset(ready) as r (user_id uuid, client_id uuid)
           where not taken ? (r.user_id::text || ':' || r.client_id::text) group by 1) g
   where b.bucket = g.bucket;
  update public.user_queue_settings x
     set next_send_at = clock_timestamp() + make_interval(secs => r.delay_ms / 1000.0), last_served_at = now()
    from jsonb_to_recordset(ready) as r (user_id uuid, client_id uuid, delay_ms integer)
   where x.user_id = r.user_id and x.client_id = r.client_id and taken ? (r.user_id::text || ':' || r.client_id::text);

  select jsonb_agg(case
           when not a ? 'ready' then a
           when taken ? (a ->> 'user_id' || ':' || (a ->> 'client_id'))
             then jsonb_build_object('user_id', a -> 'user_id', 'client_id', a -> 'client_id',
                    'item', taken -> (a ->> 'user_id' || ':' || (a ->> 'client_id')), 'next_send_at', s.next_send_at,
                    'wait_ms', a -> 'delay_ms')
           else jsonb_build_object('user_id', a -> 'user_id', 'client_id', a -> 'client_id', 'reason', 'no_due_items')
         end order by n)
    into answers
    from jsonb_array_elements(answers) with ordinality as t (a, n)
    left join public.user_queue_settings s on a ? 'ready' and s.user_id = (a ->> 'user_id')::uuid and s.client_id = (a ->> 'client_id')::uuid;
  return answers;
end
$$;

create or replace function public.claim_next_item(worker_id text, for_user uuid, for_client uuid, at timestamptz default now(),
  lease_seconds integer default 60)
returns jsonb
language sql
set search_path = ''
as $$
  select (private.claim_pairs(worker_id, jsonb_build_array(jsonb_build_object('user_id', for_user, 'client_id', for_client)),
            at, lease_seconds, false) -> 0) - 'user_id' - 'client_id'
$$;

create or replace function public.processor_step(worker_id text, outcomes jsonb default '[]', claims jsonb default '[]',
  at timestamptz default now(), lease_seconds integer default 60)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  o record;
  status text;
  settled jsonb := '[]';
  done jsonb := '{}';
begin
  if worker_id is null or char_length(worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1..200 characters' using errcode = '22023';
  end if;
  if jsonb_typeof(coalesce(outcomes, '[]')) <> 'array' or jsonb_array_length(coalesce(outcomes, '[]')) > 1000
     or jsonb_typeof(coalesce(claims, '[]')) <> 'array' or jsonb_array_length(coalesce(claims, '[]')) > 1000 then
    raise exception 'outcomes and claims must be arrays of at most 1000 entries' using errcode = '22023';
  end if;

  -- The sends that went out, in one statement (complete_queue_item's guard: still in flight for this worker; an expired
  -- but unreclaimed lease still completes, refusing would send it twice).
  begin
    with sent as (
      select x.item_id, x.trigger_id from jsonb_to_recordset(coalesce(outcomes, '[]')) as x (item_id uuid, kind text, trigger_id text)
       where x.kind = 'sent'
    ), completed as (
      update public.whatsapp_message_queue q
         set status = 'sent', processed_at = now(), agent_trigger_id = s.trigger_id,
             locked_by = null, locked_until = null, last_error = null, error_code = null
        from sent s
       where q.id = s.item_id and q.status = 'processing' and q.locked_by = worker_id
      returning q.id, q.lead_id
    ), contacted as (
      update public.leads l set last_contacted_at = now() where l.id in (select c.lead_id from completed c)
    )
    select coalesce(jsonb_object_agg(c.id::text, true), '{}') into done from completed c;
  exception
    when deadlock_detected or serialization_failure then raise;
    when others then done := jsonb_build_object('', sqlerrm);
  end;

  for o in
    select x.* from jsonb_to_recordset(coalesce(outcomes, '[]'))
      as x (item_id uuid, client_id uuid, kind text, trigger_id text, message text, code text, retry_after_seconds integer,
            pause_until timestamptz)
  loop
    if o.kind = 'sent' then
      settled := settled || case
        when done ? o.item_id::text then jsonb_build_object('item_id', o.item_id, 'status', 'sent')
        else jsonb_build_object('item_id', o.item_id, 'error', coalesce(done ->> '',
          format('Queue item %s is not in flight for worker %s', o.item_id, worker_id))) end;
      continue;
    end if;
    begin
      if o.kind in ('permanent', 'retryable') then
        status := public.fail_queue_item(o.item_id, worker_id, o.message, o.code, o.kind = 'retryable', o.retry_after_seconds)::text;
      else
        raise exception 'outcome kind must be sent, permanent or retryable' using errcode = '22023';
      end if;
      -- 429/503 with Retry-After: the whole client waits (only ever pushed later, never earlier).
      if o.pause_until is not null then
        update public.clients x set sending_paused_until = o.pause_until
         where x.id = o.client_id and (x.sending_paused_until is null or x.sending_paused_until < o.pause_until);
      end if;
      settled := settled || jsonb_build_object('item_id', o.item_id, 'status', status);
    exception
      when deadlock_detected or serialization_failure then raise;
      when others then settled := settled || jsonb_build_object('item_id', o.item_id, 'error', sqlerrm);
    end;
  end loop;

  return jsonb_build_object('settled', settled, 'claims', private.claim_pairs(worker_id, coalesce(claims, '[]'), at, lease_seconds, true));
end
$$;

revoke all on function private.claim_check(text, uuid, uuid, timestamptz), private.claim_pairs(text, jsonb, timestamptz, integer, boolean)
  from public, anon, authenticated;
grant execute on function private.claim_check(text, uuid, uuid, timestamptz), private.claim_pairs(text, jsonb, timestamptz, integer, boolean)
  to service_role;
