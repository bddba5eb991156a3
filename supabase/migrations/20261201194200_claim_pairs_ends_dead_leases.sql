-- claim_pairs ends dead leases as claim_queue_batch did (20261201194100 left it out; tests/integration/opt-out.test.ts
-- caught it): before the take, the lapsed leases of the ready pairs' owners that may not go again end there, failed
-- after their last attempt or cancelled when their lead opted out meanwhile. Otherwise claim_pairs is unchanged.

create or replace function private.claim_pairs(worker_id text, pairs jsonb, at timestamptz, lease_seconds integer, isolate boolean)
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
  -- claim_queue_batch's rule, for the owners of the ready pairs: items whose worker died end here instead of looping,
  -- after their last attempt (failed) or when their lead opted out meanwhile (cancelled: never sent again). Probed
  -- first: a statement that changes nothing still fires the statement-level audit trigger.
  if any_lapsed and exists (
       select 1 from public.whatsapp_message_queue e
        where e.status in ('queued', 'processing') and e.locked_until < now()
          and e.user_id in (select r.user_id from jsonb_to_recordset(ready) as r (user_id uuid))
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
                  and (x.attempts >= x.max_attempts or (select l.opted_out_at from public.leads l where l.id = x.lead_id) is not null)
                for update skip locked))) o
     where q.id = o.id;
  end if;

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
