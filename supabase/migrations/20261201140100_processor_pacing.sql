-- processor pacing: the rules that decide when an (admin, client) pair may send its next item live here, in SQL, so
-- that the processor and anything that predicts sends (the per-item outlook) read the same rules.
-- * The environment's values (QUEUE_BATCH_SIZE, QUEUE_PROCESSING_DELAY, WHATSAPP_RATE_LIMIT_PER_HOUR) are mirrored in
--   private.processor_config: the processor reports its own with every lease, and the row changes only when they differ.
-- * An admin's batch_size / processing_delay_ms / rate_limit_per_hour are overrides: null takes the environment's value;
--   batch size and rate are capped by the environment's (private.effective_pacing).
-- * One invocation works on a pair at a time: a lease on the settings row (lease_processor_pairs).
-- * The delay between two sends of a pair holds across invocations: next_send_at, set by the claim, which refuses before it.
-- * claim_next_item checks everything and claims one item straight to processing: one round trip, then the POST, then
--   complete/fail.

create table private.processor_config (
  id boolean primary key default true constraint processor_config_one_row check (id),
  batch_size integer not null default 10 constraint processor_config_batch_range check (batch_size between 1 and 1000),
  processing_delay_ms integer not null default 2000 constraint processor_config_delay_range check (processing_delay_ms between 0 and 60000),
  rate_limit_per_hour integer not null default 1000 constraint processor_config_rate_range check (rate_limit_per_hour between 1 and 1000000),
  -- Pairs per queue-processor invocation (README "Production topology" derives it from the bench's cost per send).
  shard_size integer not null default 100 constraint processor_config_shard_range check (shard_size between 1 and 10000),
  -- The dispatcher's per-request timeout for pg_net, and how long a pair lease lasts (the function's budget and then some).
  request_timeout_ms integer not null default 120000 constraint processor_config_timeout_range check (request_timeout_ms between 1000 and 600000)
);
insert into private.processor_config default values;
alter table private.processor_config enable row level security;
revoke all on private.processor_config from public, anon, authenticated;
grant select, update on private.processor_config to service_role;
-- Signed-in users read the environment's values (public.processor_defaults), nothing else of the row.
grant select (batch_size, processing_delay_ms, rate_limit_per_hour) on private.processor_config to authenticated;
create policy "signed-in users read the environment's pacing" on private.processor_config for select to authenticated using (true);
create policy "the service role reads and updates" on private.processor_config for all to service_role using (true) with check (true);

alter table public.user_queue_settings
  alter column batch_size drop not null, alter column batch_size drop default,
  alter column processing_delay_ms drop not null, alter column processing_delay_ms drop default,
  alter column rate_limit_per_hour drop not null, alter column rate_limit_per_hour drop default,
  add column next_send_at timestamptz,
  add column lease_owner text constraint settings_lease_owner_length check (char_length(lease_owner) between 1 and 200),
  add column lease_until timestamptz,
  add column last_served_at timestamptz;
comment on column public.user_queue_settings.batch_size is 'The admin''s override; null = the environment''s QUEUE_BATCH_SIZE (which also caps it).';
comment on column public.user_queue_settings.processing_delay_ms is 'The admin''s override; null = the environment''s QUEUE_PROCESSING_DELAY.';
comment on column public.user_queue_settings.rate_limit_per_hour is 'The admin''s override; null = the environment''s WHATSAPP_RATE_LIMIT_PER_HOUR (which also caps it).';
comment on column public.user_queue_settings.next_send_at is 'The earliest moment the next item of this pair may be claimed (the processing delay after the last claim).';
comment on column public.user_queue_settings.last_served_at is 'When this pair last had an item claimed: the dispatcher serves the least recently served first.';
-- Nothing is deployed yet: every admin starts on the environment's values.
update public.user_queue_settings set batch_size = null, processing_delay_ms = null, rate_limit_per_hour = null;

-- The audit trail and updated_at are about settings an admin changes, not the processor's bookkeeping on the same row.
drop trigger user_queue_settings_audit_changes on public.user_queue_settings;
create trigger user_queue_settings_audit_changes after update of timezone, business_hours, holiday_calendar, closed_dates,
  short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, retention_days
  on public.user_queue_settings for each row execute function private.audit_settings_change();
drop trigger user_queue_settings_touch_updated_at on public.user_queue_settings;
create trigger user_queue_settings_touch_updated_at before update of timezone, business_hours, holiday_calendar, closed_dates,
  short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour, retention_days,
  processing_state on public.user_queue_settings for each row execute function private.touch_updated_at();

-- What a pair runs at: the admin's value where they chose one, else the environment's; batch size and rate never above
-- the environment's.
create function private.effective_pacing(s public.user_queue_settings,
  out batch_size integer, out processing_delay_ms integer, out rate_limit_per_hour integer)
language sql stable
set search_path = ''
as $$
  select least(c.batch_size, coalesce(s.batch_size, c.batch_size)),
         coalesce(s.processing_delay_ms, c.processing_delay_ms),
         least(c.rate_limit_per_hour, coalesce(s.rate_limit_per_hour, c.rate_limit_per_hour))
    from private.processor_config c
$$;
revoke all on function private.effective_pacing(public.user_queue_settings) from public, anon;
grant execute on function private.effective_pacing(public.user_queue_settings) to authenticated, service_role;

-- The environment's values, for the settings form's "default (from the server)".
create function public.processor_defaults(out batch_size integer, out processing_delay_ms integer, out rate_limit_per_hour integer)
language sql stable
set search_path = ''
as $$ select c.batch_size, c.processing_delay_ms, c.rate_limit_per_hour from private.processor_config c $$;
revoke all on function public.processor_defaults() from public, anon;
grant execute on function public.processor_defaults() to authenticated, service_role;

-- One lease per invocation: the listed pairs (or, with pairs null, the running pairs of for_user or of everyone, the
-- least recently served first, at most one shard) that are running and not leased by another worker. Returns the pairs
-- won, least recently served first. environment: the caller's QUEUE_* values, mirrored into private.processor_config.
create function public.lease_processor_pairs(worker_id text, pairs jsonb default null, lease_seconds integer default 120,
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
      where pairs is null and s.processing_state = 'running' and (for_user is null or s.user_id = for_user)
      order by s.last_served_at nulls first, s.user_id, s.client_id
      limit shard)
  ), won as (
    update public.user_queue_settings s
       set lease_owner = worker_id, lease_until = now() + make_interval(secs => lease_seconds)
      from wanted w
     where s.user_id = w.user_id and s.client_id = w.client_id and s.processing_state = 'running'
       and (s.lease_until is null or s.lease_until <= now() or s.lease_owner = worker_id)
    returning s.user_id, s.client_id, s.last_served_at
  )
  select w.user_id, w.client_id from won w order by w.last_served_at nulls first, w.user_id, w.client_id;
end
$$;

-- The end of an invocation: its leases end and the pairs are stamped as run.
create function public.release_processor_pairs(worker_id text, pairs jsonb) returns integer
language sql
set search_path = ''
as $$
  with released as (
    update public.user_queue_settings s
       set lease_owner = null, lease_until = null, last_processor_run_at = now()
      from jsonb_to_recordset(pairs) as p (user_id uuid, client_id uuid)
     where s.user_id = p.user_id and s.client_id = p.client_id and s.lease_owner = worker_id
    returning 1
  )
  select count(*)::integer from released
$$;

-- Claims the next item of one pair straight to processing, or says why not. The checks, in this order (the first that
-- refuses is the answer's `reason`): the pair's settings row (locked for the claim) exists and is running
-- (not_running); this worker holds the pair's lease (not_leased); the owner is an admin of the client now (not_admin);
-- the window is open at `at` (outside_window); the client is not paused at `at` (client_paused, with `until`); the
-- processing delay since the pair's last claim has passed (paced, with `next_send_at` and `wait_ms`); today's sent plus in-flight
-- items (the admin's local day of `at`) are under max_capacity (capacity_reached); a due item exists (no_due_items);
-- the client's send budget gives a token (rate_limited); then the item (priority order, lapsed leases first among
-- equals, opted-out leads and non-admin owners left out) goes to processing and next_send_at moves to now + delay.
-- `at` is the business clock (windows, pauses, the local day); leases, due times and pacing use the real clock.
create function public.claim_next_item(worker_id text, for_user uuid, for_client uuid, at timestamptz default now(),
  lease_seconds integer default 60)
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
  item public.whatsapp_message_queue;
  next_at timestamptz;
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
                    and private.may_send(x.lead_id, x.client_id, x.user_id))
     and not exists (select 1 from public.whatsapp_message_queue x
                      where x.user_id = for_user and x.client_id = for_client and x.status in ('queued', 'processing')
                        and x.locked_until < now()) then
    return jsonb_build_object('reason', 'no_due_items');
  end if;
  pace := private.effective_pacing(s);
  if public.take_rate_tokens('send:' || for_client::text, 1, pace.rate_limit_per_hour) < 1 then
    return jsonb_build_object('reason', 'rate_limited');
  end if;
  select * into item from public.claim_queue_batch(worker_id, 1, lease_seconds, for_user, true, null, null, for_client) limit 1;
  if item.id is null then
    -- The probe saw an item this claim could not take (a lapsed lease of an opted-out lead): the token goes back.
    update private.rate_buckets b set tokens = b.tokens + 1 where b.bucket = 'send:' || for_client::text;
    return jsonb_build_object('reason', 'no_due_items');
  end if;
  next_at := clock_timestamp() + make_interval(secs => pace.processing_delay_ms / 1000.0);
  update public.user_queue_settings x set next_send_at = next_at, last_served_at = now()
   where x.user_id = for_user and x.client_id = for_client;
  return jsonb_build_object('item', to_jsonb(item), 'next_send_at', next_at, 'wait_ms', pace.processing_delay_ms);
end
$$;

revoke all on function
  public.lease_processor_pairs(text, jsonb, integer, jsonb, uuid),
  public.release_processor_pairs(text, jsonb),
  public.claim_next_item(text, uuid, uuid, timestamptz, integer)
  from public, anon, authenticated;
grant execute on function
  public.lease_processor_pairs(text, jsonb, integer, jsonb, uuid),
  public.release_processor_pairs(text, jsonb),
  public.claim_next_item(text, uuid, uuid, timestamptz, integer)
  to service_role;

-- Every UPDATE of a settings row re-checks its CHECK constraints, and the time zone check scanned pg_timezone_names
-- (the server's zone files: about 60 ms a row on the bench machine); the processor now writes the row on every claim.
-- Same answer (on the supported list, and a zone this server knows), without the scan: `at time zone` raises on an
-- unknown zone.
create or replace function private.is_valid_timezone(tz text) returns boolean
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from private.supported_time_zones z where z.name = tz) then
    return false;
  end if;
  perform now() at time zone tz;
  return true;
exception when invalid_parameter_value then
  return false;
end
$$;
