-- processor step: one round trip settles the sends that finished (complete / fail, a Retry-After pause of the client)
-- and claims the next item of every pair that is ready, for one invocation. Each pair's claim is claim_next_item
-- itself (same checks, same order of items), so the processor and the outlook still read one set of rules; a step only
-- saves the HTTP requests (the function's CPU) and the transactions (one commit for many sends).
-- * Outcomes are settled before claims: a 429's pause reaches this step's claims of the client, a completion counts
--   in this step's capacity checks.
-- * Claims run in the order given (the lease's: least recently served first), grouped by client: every step takes the
--   rate buckets of its clients in one order, so concurrent steps of pairs sharing clients cannot deadlock.
-- * Once a pair of a client is refused as rate_limited or client_paused, the client's later pairs in the step are
--   refused with the same reason without a claim (what the processor does across steps).
-- * A settle or claim that raises is reported for that item or pair, the rest of the step stands (a subtransaction each).
create function public.processor_step(worker_id text, outcomes jsonb default '[]', claims jsonb default '[]',
  at timestamptz default now(), lease_seconds integer default 60)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  o record;
  c record;
  result jsonb;
  status text;
  settled jsonb := '[]';
  claimed jsonb := '[]';
  stopped jsonb := '{}';
begin
  if worker_id is null or char_length(worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1..200 characters' using errcode = '22023';
  end if;
  if jsonb_typeof(coalesce(outcomes, '[]')) <> 'array' or jsonb_array_length(coalesce(outcomes, '[]')) > 1000
     or jsonb_typeof(coalesce(claims, '[]')) <> 'array' or jsonb_array_length(coalesce(claims, '[]')) > 1000 then
    raise exception 'outcomes and claims must be arrays of at most 1000 entries' using errcode = '22023';
  end if;

  for o in
    select x.* from jsonb_to_recordset(coalesce(outcomes, '[]'))
      as x (item_id uuid, client_id uuid, kind text, trigger_id text, message text, code text, retry_after_seconds integer,
            pause_until timestamptz)
  loop
    begin
      if o.kind = 'sent' then
        perform public.complete_queue_item(o.item_id, worker_id, o.trigger_id);
        status := 'sent';
      elsif o.kind in ('permanent', 'retryable') then
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

  for c in
    select x.user_id, x.client_id
      from rows from (jsonb_to_recordset(coalesce(claims, '[]')) as (user_id uuid, client_id uuid)) with ordinality as x (user_id, client_id, n)
     order by x.client_id, x.n
  loop
    if stopped ? c.client_id::text then
      result := jsonb_build_object('reason', stopped ->> c.client_id::text);
    else
      begin
        result := public.claim_next_item(worker_id, c.user_id, c.client_id, at, lease_seconds);
      exception
        when deadlock_detected or serialization_failure then raise;
        when others then result := jsonb_build_object('error', sqlerrm);
      end;
      if result ->> 'reason' in ('rate_limited', 'client_paused') then
        stopped := stopped || jsonb_build_object(c.client_id::text, result ->> 'reason');
      end if;
    end if;
    claimed := claimed || (result || jsonb_build_object('user_id', c.user_id, 'client_id', c.client_id));
  end loop;
  return jsonb_build_object('settled', settled, 'claims', claimed);
end
$$;

revoke all on function public.processor_step(text, jsonb, jsonb, timestamptz, integer) from public, anon, authenticated;
grant execute on function public.processor_step(text, jsonb, jsonb, timestamptz, integer) to service_role;
