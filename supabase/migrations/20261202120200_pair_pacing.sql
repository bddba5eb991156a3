-- pair pacing: the processor's bookkeeping of a pair (next_send_at, its lease, last_served_at) leaves the settings row
-- for its own narrow table. Every claim wrote next_send_at and every invocation the lease on public.user_queue_settings,
-- and each such write re-ran the row's CHECK constraints (business hours, time zone: private.is_valid_business_hours
-- ~0.3 ms a call in bench/processor-pg-profile.ts), its statement triggers (the settings Broadcast filter) and a new
-- version of a wide row. private.pair_pacing has no index on the columns written and room on its pages (fillfactor
-- 50), so these writes are HOT updates of a small row; it has no CHECK beyond the lease owner's length.
-- * Same readers, same rules: lease_processor_pairs, release_processor_pairs, processor_shards, claim_check and
--   claim_pairs read and write it instead; private.pair_pace (the outlook's pace) reads next_send_at from it.
-- * A pair's row is made by its first lease (a pair never leased has no pacing: served first, nothing to wait for).
--   Existing values move over; the settings columns go, so nothing can read a stale copy.
-- * Members read the pacing of the pairs whose settings they may read (the outlook runs as the caller).

create table private.pair_pacing (
  user_id uuid not null,
  client_id uuid not null,
  next_send_at timestamptz,
  lease_owner text constraint pair_pacing_lease_owner_length check (char_length(lease_owner) between 1 and 200),
  lease_until timestamptz,
  last_served_at timestamptz,
  primary key (user_id, client_id),
  foreign key (user_id, client_id) references public.user_queue_settings (user_id, client_id) on delete cascade
) with (fillfactor = 50);

comment on table private.pair_pacing is 'The processor''s bookkeeping per (admin, client) pair: next_send_at (the earliest next claim), the invocation lease, last_served_at (the dispatcher serves the least recently served first).';

insert into private.pair_pacing (user_id, client_id, next_send_at, lease_owner, lease_until, last_served_at)
select s.user_id, s.client_id, s.next_send_at, s.lease_owner, s.lease_until, s.last_served_at
  from public.user_queue_settings s
 where (s.next_send_at, s.lease_owner, s.lease_until, s.last_served_at) is distinct from (null, null, null, null);

alter table public.user_queue_settings
  drop column next_send_at, drop column lease_owner, drop column lease_until, drop column last_served_at;

alter table private.pair_pacing enable row level security;
grant select, insert, update, delete on private.pair_pacing to service_role;
grant select on private.pair_pacing to authenticated;
create policy "members read the pacing of the settings they read" on private.pair_pacing
  for select to authenticated
  using (exists (select 1 from public.user_queue_settings s where s.user_id = pair_pacing.user_id and s.client_id = pair_pacing.client_id));

create or replace function public.lease_processor_pairs(worker_id text, pairs jsonb default null, lease_seconds integer default 120,
  environment jsonb default null, for_user uuid default null)
returns table (user_id uuid, client_id uuid)
language plpgsql
set search_path = ''
as $$
declare
  shard integer;
begin
  if worker_id is null or char_length(worker_id) not between 1 and 200 then
    raise exception 'worker_id must be 1..200 characters' using errcode = '22023';
  end if;
  if lease_seconds is null or lease_seconds not between 1 and 3600 then
    raise exception 'lease_seconds must be between 1 and 3600' using errcode = '22023';
  end if;
  if pairs is not null and (jsonb_typeof(pairs) <> 'array' or jsonb_array_length(pairs) > 10000) then
    raise exception 'pairs must be an array of at most 10000 {user_id, client_id}' using errcode = '22023';
  end if;
  if environment is not null then
    -- Written only when different: concurrent invocations with the same environment take no row lock.
    update private.processor_config c
       set batch_size = coalesce((environment ->> 'batch_size')::integer, c.batch_size),
           processing_delay_ms = coalesce((environment ->> 'processing_delay_ms')::integer, c.processing_delay_ms),
           rate_limit_per_hour = coalesce((environment ->> 'rate_limit_per_hour')::integer, c.rate_limit_per_hour)
     where (c.batch_size, c.processing_delay_ms, c.rate_limit_per_hour) is distinct from
           (coalesce((environment ->> 'batch_size')::integer, c.batch_size),
            coalesce((environment ->> 'processing_delay_ms')::integer, c.processing_delay_ms),
            coalesce((environment ->> 'rate_limit_per_hour')::integer, c.rate_limit_per_hour));
  end if;
  select c.shard_size into shard from private.processor_config c;

  return query
  with wanted as (
    select p.user_id, p.client_id from jsonb_to_recordset(pairs) as p (user_id uuid, client_id uuid) where pairs is not null
    union
    (select s.user_id, s.client_id from public.user_queue_settings s
       left join private.pair_pacing g on g.user_id = s.user_id and g.client_id = s.client_id
      where pairs is null and s.processing_state = 'running' and (for_user is null or s.user_id = for_user)
      order by g.last_served_at nulls first, s.user_id, s.client_id
      limit shard)
  ), won as (
    -- The settings row says running (and is locked against a pause meanwhile); the pacing row holds the lease.
    insert into private.pair_pacing as g (user_id, client_id, lease_owner, lease_until)
    select s.user_id, s.client_id, worker_id, now() + make_interval(secs => lease_seconds)
      from wanted w
      join public.user_queue_settings s on s.user_id = w.user_id and s.client_id = w.client_id and s.processing_state = 'running'
     order by s.user_id, s.client_id
       for share of s
    -- By the constraint's name: user_id and client_id are also this function's output columns.
    on conflict on constraint pair_pacing_pkey do update
       set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
     where g.lease_until is null or g.lease_until <= now() or g.lease_owner = worker_id
    returning g.user_id, g.client_id, g.last_served_at
  )
  select w.user_id, w.client_id from won w order by w.last_served_at nulls first, w.user_id, w.client_id;
end
$$;

-- The end of an invocation: its leases end and the pairs are stamped as run (the processing card's last run).
create or replace function public.release_processor_pairs(worker_id text, pairs jsonb) returns integer
language sql
set search_path = ''
as $$
  with released as (
    update private.pair_pacing g
       set lease_owner = null, lease_until = null
      from jsonb_to_recordset(pairs) as p (user_id uuid, client_id uuid)
     where g.user_id = p.user_id and g.client_id = p.client_id and g.lease_owner = worker_id
    returning g.user_id, g.client_id
  ), stamped as (
    update public.user_queue_settings s set last_processor_run_at = now()
      from released r where s.user_id = r.user_id and s.client_id = r.client_id
  )
  select count(*)::integer from released
$$;

create or replace function public.processor_shards(at timestamptz default now(), shard_size integer default null)
returns table (shard integer, pairs jsonb)
language plpgsql stable
set search_path = ''
as $$
declare
  size integer := coalesce(shard_size, (select c.shard_size from private.processor_config c));
begin
  if size is null or size not between 1 and 10000 then
    raise exception 'shard_size must be between 1 and 10000' using errcode = '22023';
  end if;
  return query
  with work as (
    select s.user_id, s.client_id,
           row_number() over (order by g.last_served_at nulls first, s.user_id, s.client_id) - 1 as n
      from public.user_queue_settings s
      join public.clients c on c.id = s.client_id
      left join private.pair_pacing g on g.user_id = s.user_id and g.client_id = s.client_id
     where s.processing_state = 'running'
       and (g.lease_until is null or g.lease_until <= now())
       and (c.sending_paused_until is null or c.sending_paused_until <= at)
       and exists (select 1 from public.client_members m where m.client_id = s.client_id and m.user_id = s.user_id and m.role = 'admin')
       and (exists (select 1 from public.whatsapp_message_queue x
                     where x.user_id = s.user_id and x.client_id = s.client_id and x.status = 'pending' and x.scheduled_for <= now()
                       and (x.next_attempt_at is null or x.next_attempt_at <= now()))
            or exists (select 1 from public.whatsapp_message_queue x
                        where x.user_id = s.user_id and x.client_id = s.client_id and x.status in ('queued', 'processing')
                          and x.locked_until < now()))
       and private.is_window_open(s, at)
  )
  select (w.n / size)::integer, jsonb_agg(jsonb_build_object('user_id', w.user_id, 'client_id', w.client_id) order by w.n)
    from work w
   group by 1
   order by 1;
end
$$;

create or replace function private.claim_check(worker_id text, for_user uuid, for_client uuid, at timestamptz)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  s public.user_queue_settings;
  g private.pair_pacing;
  pace record;
  paused timestamptz;
  day record;
  active integer;
begin
  select * into s from public.user_queue_settings x where x.user_id = for_user and x.client_id = for_client for update;
  if not found or s.processing_state <> 'running' then
    return jsonb_build_object('reason', 'not_running');
  end if;
  -- Under the settings row's lock: the pacing row changes only with it held (here) or by a lease of a free pair.
  select * into g from private.pair_pacing x where x.user_id = for_user and x.client_id = for_client;
  if g.lease_owner is distinct from worker_id or g.lease_until <= now() then
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
  if g.next_send_at > clock_timestamp() then
    -- wait_ms: relative to the database's clock, so a caller's clock skew cannot make it poll early.
    return jsonb_build_object('reason', 'paced', 'next_send_at', g.next_send_at,
      'wait_ms', ceil(extract(epoch from g.next_send_at - clock_timestamp()) * 1000));
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


-- The outlook's pace: unchanged but for where next_send_at lives.
create or replace function private.pair_pace(user_id uuid, client_id uuid,
  out delay_ms integer, out per_hour integer, out next_send_at timestamptz, out budget_ms integer, out timeout_ms integer)
language sql stable
set search_path = ''
as $$
  select p.processing_delay_ms, p.rate_limit_per_hour, g.next_send_at, 50000, 10000
    from public.user_queue_settings s
    cross join private.effective_pacing(s) p
    left join private.pair_pacing g on g.user_id = s.user_id and g.client_id = s.client_id
   where s.user_id = pair_pace.user_id and s.client_id = pair_pace.client_id
$$;
