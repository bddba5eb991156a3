-- claim checks in sets: a step ran private.claim_check once per pair (about ten statements: the settings row, the
-- pacing row, membership, the window, the pause, the capacity count, the due probe, the pacing, and take_rate_tokens'
-- four), ~1.4 ms of a send's PostgreSQL time in bench/processor-pg-profile.ts --direct. private.claim_checks makes the
-- same decisions for all of a step's pairs at once: the settings rows are locked in claim order as before, one
-- statement says each pair's first refusal (same checks, same order, same payloads), and the send buckets of the
-- clients with a pair left are taken in three statements for the whole step.
-- * The tokens are taken as the loop took them, one at a time in claim order, at one instant: each take of a client
--   after its first refills over no time and is capped by its own pair's burst, and a client stops at its first refusal
--   (rate_limited), its later pairs answering rate_limited; a client_paused pair stops its client's later pairs too.
-- * claim_pairs with isolate still tries the whole call once without isolation (now these set checks); when that raises
--   it falls back, as before, to claim_check per pair in its own subtransaction, so a failing pair costs only itself.

create function private.claim_checks(worker_id text, pairs jsonb, at timestamptz, out answers jsonb, out ready jsonb)
language plpgsql
set search_path = ''
as $$
declare
  r record;
  users uuid[] := '{}';
  clients uuid[] := '{}';
  results jsonb[] := '{}';
  per_hours integer[] := '{}';
  delays integer[] := '{}';
  buckets text[] := '{}';
  first_per_hours integer[] := '{}';
  units bigint[] := '{}';
  granted boolean[] := '{}';
  stopped jsonb := '{}';
  stamp timestamptz;
  level bigint;
  k integer;
  i integer;
  result jsonb;
begin
  answers := '[]';
  ready := '[]';
  -- claim_check locked each pair's settings row first; the checks below read after every lock is held.
  perform 1
     from rows from (jsonb_to_recordset(pairs) as (user_id uuid, client_id uuid)) with ordinality as p (user_id, client_id, n)
     join public.user_queue_settings s on s.user_id = p.user_id and s.client_id = p.client_id
    order by p.client_id, p.n
      for update of s;

  for r in
    select p.user_id, p.client_id,
           case
             when s.user_id is null or s.processing_state <> 'running' then jsonb_build_object('reason', 'not_running')
             when g.lease_owner is distinct from worker_id or g.lease_until <= now() then jsonb_build_object('reason', 'not_leased')
             when not exists (select 1 from public.client_members m
                               where m.client_id = p.client_id and m.user_id = p.user_id and m.role = 'admin')
               then jsonb_build_object('reason', 'not_admin')
             when not private.is_window_open(s, at) then jsonb_build_object('reason', 'outside_window')
             when c.sending_paused_until > at then jsonb_build_object('reason', 'client_paused', 'until', c.sending_paused_until)
             when g.next_send_at > clock_timestamp() then jsonb_build_object('reason', 'paced', 'next_send_at', g.next_send_at,
               'wait_ms', ceil(extract(epoch from g.next_send_at - clock_timestamp()) * 1000))
             -- Lapsed leases are not counted: this claim may take one back, and then it counts as claimed.
             when (select count(*) from private.local_day_bounds(at, s.timezone) day, public.whatsapp_message_queue q
                    where q.user_id = p.user_id and q.client_id = p.client_id
                      and ((q.status = 'sent' and q.processed_at >= day.day_start and q.processed_at < day.day_end)
                           or (q.status in ('queued', 'processing') and q.locked_until >= now()))) >= s.max_capacity
               then jsonb_build_object('reason', 'capacity_reached')
             -- Probed before the token, so a pair with nothing to send spends none of the client's budget.
             when not exists (select 1 from public.whatsapp_message_queue x
                               where x.user_id = p.user_id and x.client_id = p.client_id and x.status = 'pending'
                                 and x.scheduled_for <= now() and (x.next_attempt_at is null or x.next_attempt_at <= now())
                                 and exists (select 1 from public.leads l where l.id = x.lead_id and l.opted_out_at is null))
                  and not exists (select 1 from public.whatsapp_message_queue x
                                   where x.user_id = p.user_id and x.client_id = p.client_id
                                     and x.status in ('queued', 'processing') and x.locked_until < now())
               then jsonb_build_object('reason', 'no_due_items')
           end as result,
           e.processing_delay_ms, e.rate_limit_per_hour
      from rows from (jsonb_to_recordset(pairs) as (user_id uuid, client_id uuid)) with ordinality as p (user_id, client_id, n)
      left join public.user_queue_settings s on s.user_id = p.user_id and s.client_id = p.client_id
      left join private.pair_pacing g on g.user_id = p.user_id and g.client_id = p.client_id
      left join public.clients c on c.id = p.client_id
      left join lateral private.effective_pacing(s) e on s.user_id is not null
     order by p.client_id, p.n
  loop
    users := users || r.user_id;
    clients := clients || r.client_id;
    results := results || r.result;
    per_hours := per_hours || r.rate_limit_per_hour;
    delays := delays || r.processing_delay_ms;
    -- A pair left for the token (its checks passed): its client's bucket, with the first such pair's rate.
    if r.result is null and not (('send:' || r.client_id::text) = any (buckets)) then
      buckets := buckets || ('send:' || r.client_id::text);
      first_per_hours := first_per_hours || r.rate_limit_per_hour;
    end if;
  end loop;

  if cardinality(buckets) > 0 then
    -- take_rate_tokens' steps for every bucket at once, locked in the order the loop took them (by client).
    insert into private.rate_buckets (bucket, tokens, updated_at)
    select b.bucket, greatest(3600000, b.per_hour::bigint * 60000) / 3600000.0, clock_timestamp()
      from unnest(buckets, first_per_hours) as b (bucket, per_hour)
     order by b.bucket
    on conflict on constraint rate_buckets_pkey do nothing;
    perform 1 from private.rate_buckets b where b.bucket = any (buckets) order by b.bucket for update;
    stamp := clock_timestamp();
    select array_agg(least(greatest(3600000, x.per_hour::bigint * 60000),
                           round(b.tokens * 3600000)::bigint + private.bucket_refill(stamp - b.updated_at, x.per_hour))
                     order by x.n)
      into units
      from unnest(buckets, first_per_hours) with ordinality as x (bucket, per_hour, n)
      join private.rate_buckets b on b.bucket = x.bucket;
  end if;

  -- One token a pair, in claim order, from its client's level.
  granted := array_fill(false, array[cardinality(users)]);
  for i in 1 .. cardinality(users) loop
    if results[i] is null and not stopped ? clients[i]::text then
      k := array_position(buckets, 'send:' || clients[i]::text);
      level := least(greatest(3600000, per_hours[i]::bigint * 60000), units[k]);
      if level >= 3600000 then
        granted[i] := true;
        level := level - 3600000;
      else
        stopped := stopped || jsonb_build_object(clients[i]::text, 'rate_limited');
      end if;
      units[k] := level;
    elsif results[i] ->> 'reason' = 'client_paused' then
      stopped := stopped || jsonb_build_object(clients[i]::text, 'client_paused');
    end if;
  end loop;
  if cardinality(buckets) > 0 then
    update private.rate_buckets b set tokens = x.units / 3600000.0, updated_at = stamp
      from unnest(buckets, units) as x (bucket, units)
     where b.bucket = x.bucket;
  end if;

  -- The answers as the pair loop gave them: after a client stops, its later pairs answer with the stop's reason.
  stopped := '{}';
  for i in 1 .. cardinality(users) loop
    if stopped ? clients[i]::text then
      result := jsonb_build_object('reason', stopped ->> clients[i]::text);
    elsif granted[i] then
      result := jsonb_build_object('ready', true, 'delay_ms', delays[i]);
    elsif results[i] is null then
      result := jsonb_build_object('reason', 'rate_limited');
    else
      result := results[i];
    end if;
    if result ->> 'reason' in ('rate_limited', 'client_paused') then
      stopped := stopped || jsonb_build_object(clients[i]::text, result ->> 'reason');
    end if;
    result := result || jsonb_build_object('user_id', users[i], 'client_id', clients[i]);
    if result ? 'ready' then
      ready := ready || jsonb_build_array(result);
    end if;
    answers := answers || jsonb_build_array(result);
  end loop;
end
$$;

revoke all on function private.claim_checks(text, jsonb, timestamptz) from public, anon, authenticated;
grant execute on function private.claim_checks(text, jsonb, timestamptz) to service_role;

-- claim_pairs of 20261202120200 but for its checks: claim_checks unless isolating, claim_check per pair when isolating.
create or replace function private.claim_pairs(worker_id text, pairs jsonb, at timestamptz, lease_seconds integer, isolate boolean,
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
  if not isolate then
    select x.answers, x.ready into answers, ready from private.claim_checks(worker_id, pairs, at) x;
  else
    -- The whole call raised without isolation: claim_check pair by pair, each in its own subtransaction.
    for c in
      select x.user_id, x.client_id
        from rows from (jsonb_to_recordset(pairs) as (user_id uuid, client_id uuid)) with ordinality as x (user_id, client_id, n)
       order by x.client_id, x.n
    loop
      if stopped ? c.client_id::text then
        result := jsonb_build_object('reason', stopped ->> c.client_id::text);
      else
        begin
          result := private.claim_check(worker_id, c.user_id, c.client_id, at);
        exception
          when deadlock_detected or serialization_failure then raise;
          when others then result := jsonb_build_object('error', sqlerrm);
        end;
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
  end if;
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
  update private.pair_pacing x
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
    left join private.pair_pacing s on a ? 'ready' and s.user_id = (a ->> 'user_id')::uuid and s.client_id = (a ->> 'client_id')::uuid;
  return jsonb_build_object('claims', answers, 'done', done);
end
$$;
