-- one statement per step: a processor step wrote the queue twice, settling its finished sends in one UPDATE and
-- taking the next items in another, so every statement trigger of the queue (the Broadcast per topic through
-- realtime.send, the audit insert, the metrics and status-count upserts) ran twice a step, and each admin's topic got
-- two messages a step (bench/processor-pg-profile.ts: realtime.send and the triggers were ~45 % of PostgreSQL's time a
-- send). The sends settle and the items are taken in one UPDATE now: one run of each trigger, one message per topic.
-- * The rules are unchanged. The checks run first (they never looked at the items being settled: those are in flight
--   under a live lease either way), then one statement settles and takes; the items being settled are left out of
--   the lapsed-lease take and of the dead-lease ending, as they were when they were already `sent` by then.
-- * A settle that raises does not cost the claims: the statement is tried again as two, the settle's error reported
--   per send as before.
-- * claim_next_item (and so the outlook's mirror) still goes through claim_pairs with nothing to settle.

-- The one UPDATE of a step: `sent` (item_id, trigger_id) settle as sent (complete_queue_item's guard: still in flight
-- for this worker), `ready` pairs take one item each (priority desc, due time, id; a lapsed lease first among equals).
create function private.step_write(worker_id text, sent jsonb, ready jsonb, lease_seconds integer, any_lapsed boolean,
  out done jsonb, out taken jsonb)
language plpgsql
set search_path = ''
as $$
begin
  -- PL/pgSQL for its cached plan (a SQL function's statement was planned on every call).
  with settling as (
    select x.item_id, x.trigger_id from jsonb_to_recordset(sent) as x (item_id uuid, trigger_id text)
  ), wanted as (
    select r.user_id, r.client_id from jsonb_to_recordset(ready) as r (user_id uuid, client_id uuid)
  ), picked as (
    select case when e.id is null then d.id
                when d.id is null then e.id
                when e.priority <> d.priority then case when e.priority > d.priority then e.id else d.id end
                when (e.scheduled_for, e.id) < (d.scheduled_for, d.id) then e.id
                else d.id end as id
      from wanted w
      left join lateral (
        select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
         where any_lapsed and x.user_id = w.user_id and x.client_id = w.client_id and x.status in ('queued', 'processing')
           and x.locked_until < now() and not exists (select 1 from settling s where s.item_id = x.id)
           and exists (select 1 from public.leads l where l.id = x.lead_id and l.opted_out_at is null)
         order by x.priority desc, x.scheduled_for, x.id limit 1 for update skip locked) e on true
      left join lateral (
        select x.id, x.priority, x.scheduled_for from public.whatsapp_message_queue x
         where x.user_id = w.user_id and x.client_id = w.client_id and x.status = 'pending' and x.scheduled_for <= now()
           and (x.next_attempt_at is null or x.next_attempt_at <= now())
           and exists (select 1 from public.leads l where l.id = x.lead_id and l.opted_out_at is null)
         order by x.priority desc, x.scheduled_for, x.id limit 1 for update skip locked) d on true
  ), targets as (
    select s.item_id as id, s.trigger_id, true as settles from settling s
    union all
    select p.id, null, false from picked p where p.id is not null
  ), written as (
    update public.whatsapp_message_queue q
       set status = case when t.settles then 'sent'::public.queue_item_status else 'processing' end,
           processed_at = case when t.settles then now() else q.processed_at end,
           agent_trigger_id = case when t.settles then t.trigger_id else q.agent_trigger_id end,
           locked_by = case when t.settles then null else worker_id end,
           locked_until = case when t.settles then null else now() + make_interval(secs => lease_seconds) end,
           last_error = case when t.settles then null else q.last_error end,
           error_code = case when t.settles then null else q.error_code end,
           attempts = case when t.settles then q.attempts else q.attempts + 1 end,
           next_attempt_at = case when t.settles then q.next_attempt_at else null end,
           -- A lapsed `processing` lease: the last POST may have gone out, so this attempt is a redelivery.
           redelivery = case when t.settles then q.redelivery else q.status = 'processing' end
      from targets t
     where q.id = t.id
       -- By the primary key: a join estimated from jsonb_to_recordset's 100 rows would read the whole queue.
       and q.id = any (array(select t2.id from targets t2))
       and (not t.settles or (q.status = 'processing' and q.locked_by = worker_id))
    returning q.*
  ), contacted as (
    update public.leads l set last_contacted_at = now() where l.id in (select w.lead_id from written w where w.status = 'sent')
  )
  select coalesce(jsonb_object_agg(w.id::text, true) filter (where w.status = 'sent'), '{}'),
         coalesce(jsonb_object_agg(w.user_id::text || ':' || w.client_id::text, to_jsonb(w)) filter (where w.status = 'processing'), '{}')
    into done, taken
    from written w;
end
$$;

-- claim_pairs of 20261201194200 with the sends to settle (`sent`); returns {claims, done}, done as processor_step reads
-- it (item id -> true, or '' -> the settle's error).
create function private.claim_pairs(worker_id text, pairs jsonb, at timestamptz, lease_seconds integer, isolate boolean,
  sent jsonb)
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
  done jsonb := '{}';
  taken jsonb := '{}';
  any_lapsed boolean;
begin
  if lease_seconds is null or lease_seconds not between 1 and 3600 then
    raise exception 'lease_seconds must be between 1 and 3600' using errcode = '22023';
  end if;
  if isolate then
    -- One subtransaction for the whole call; only when something raised, one per pair.
    begin
      return private.claim_pairs(worker_id, pairs, at, lease_seconds, false, sent);
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
  if jsonb_array_length(ready) = 0 and jsonb_array_length(sent) = 0 then
    return jsonb_build_object('claims', answers, 'done', done);
  end if;
  -- Lapsed leases are rare: one look at the lease index spares every pair its scan of the items in flight.
  any_lapsed := jsonb_array_length(ready) > 0 and exists (
    select 1 from public.whatsapp_message_queue x where x.status in ('queued', 'processing') and x.locked_until < now());
  -- claim_queue_batch's rule, for the owners of the ready pairs: items whose worker died end here instead of looping,
  -- after their last attempt (failed) or when their lead opted out meanwhile (cancelled: never sent again). Probed
  -- first: a statement that changes nothing still fires the statement-level triggers.
  if any_lapsed and exists (
       select 1 from public.whatsapp_message_queue e
        where e.status in ('queued', 'processing') and e.locked_until < now()
          and e.user_id in (select r.user_id from jsonb_to_recordset(ready) as r (user_id uuid))
          and not exists (select 1 from jsonb_to_recordset(sent) as s (item_id uuid) where s.item_id = e.id)
          and (e.attempts >= e.max_attempts or (select l.opted_out_at from public.leads l where l.id = e.lead_id) is not null)) then
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
                  and x.user_id in (select r.user_id from jsonb_to_recordset(ready) as r (user_id uuid))
                  and not exists (select 1 from jsonb_to_recordset(sent) as s (item_id uuid) where s.item_id = x.id)
                  and (x.attempts >= x.max_attempts or (select l.opted_out_at from public.leads l where l.id = x.lead_id) is not null)
                for update skip locked))) o
     where q.id = o.id;
  end if;

  begin
    select w.done, w.taken into done, taken from private.step_write(worker_id, sent, ready, lease_seconds, any_lapsed) w;
  exception
    when deadlock_detected or serialization_failure then raise;
    when others then
      -- The settle's error is its sends' (reported per send); the take alone raises as it always did.
      begin
        select w.done into done from private.step_write(worker_id, sent, '[]', lease_seconds, false) w;
      exception
        when deadlock_detected or serialization_failure then raise;
        when others then done := jsonb_build_object('', sqlerrm);
      end;
      select w.taken into taken from private.step_write(worker_id, '[]', ready, lease_seconds, any_lapsed) w;
  end;
  if jsonb_array_length(ready) = 0 then
    return jsonb_build_object('claims', answers, 'done', done);
  end if;

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
  return jsonb_build_object('claims', answers, 'done', done);
end
$$;

create or replace function private.claim_pairs(worker_id text, pairs jsonb, at timestamptz, lease_seconds integer, isolate boolean)
returns jsonb
language sql
set search_path = ''
as $$
  select private.claim_pairs(worker_id, pairs, at, lease_seconds, isolate, '[]') -> 'claims'
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
  failures jsonb := '{}';
  step jsonb;
  done jsonb;
  settled jsonb;
begin
  if worker_id is null or char_length(worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1..200 characters' using errcode = '22023';
  end if;
  if jsonb_typeof(coalesce(outcomes, '[]')) <> 'array' or jsonb_array_length(coalesce(outcomes, '[]')) > 1000
     or jsonb_typeof(coalesce(claims, '[]')) <> 'array' or jsonb_array_length(coalesce(claims, '[]')) > 1000 then
    raise exception 'outcomes and claims must be arrays of at most 1000 entries' using errcode = '22023';
  end if;

  -- Failures one by one (fail_queue_item's backoff and audit); the sends settle with the claims' statement below.
  for o in
    select x.* from rows from (jsonb_to_recordset(coalesce(outcomes, '[]'))
      as (item_id uuid, client_id uuid, kind text, message text, code text, retry_after_seconds integer, pause_until timestamptz))
      with ordinality as x (item_id, client_id, kind, message, code, retry_after_seconds, pause_until, n)
     where x.kind is distinct from 'sent'
  loop
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
      failures := failures || jsonb_build_object(o.n::text, jsonb_build_object('item_id', o.item_id, 'status', status));
    exception
      when deadlock_detected or serialization_failure then raise;
      when others then failures := failures || jsonb_build_object(o.n::text, jsonb_build_object('item_id', o.item_id, 'error', sqlerrm));
    end;
  end loop;

  step := private.claim_pairs(worker_id, coalesce(claims, '[]'), at, lease_seconds, true,
    coalesce((select jsonb_agg(x) from jsonb_array_elements(coalesce(outcomes, '[]')) x where x ->> 'kind' = 'sent'), '[]'));
  done := step -> 'done';
  -- In the outcomes' order.
  select coalesce(jsonb_agg(case
           when x ->> 'kind' is distinct from 'sent' then failures -> n::text
           when done ? ((x ->> 'item_id')::uuid::text) then jsonb_build_object('item_id', x -> 'item_id', 'status', 'sent')
           else jsonb_build_object('item_id', x -> 'item_id', 'error', coalesce(done ->> '',
             format('Queue item %s is not in flight for worker %s', x ->> 'item_id', worker_id))) end order by n), '[]')
    into settled
    from jsonb_array_elements(coalesce(outcomes, '[]')) with ordinality as t (x, n);
  return jsonb_build_object('settled', settled, 'claims', step -> 'claims');
end
$$;

revoke all on function private.step_write(text, jsonb, jsonb, integer, boolean),
  private.claim_pairs(text, jsonb, timestamptz, integer, boolean, jsonb) from public, anon, authenticated;
grant execute on function private.step_write(text, jsonb, jsonb, integer, boolean),
  private.claim_pairs(text, jsonb, timestamptz, integer, boolean, jsonb) to service_role;
