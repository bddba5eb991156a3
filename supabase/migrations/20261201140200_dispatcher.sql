-- dispatcher: pg_cron runs public.dispatch_queue_processor() every minute. It splits the (admin, client) pairs that
-- have work into shards of private.processor_config.shard_size, the least recently served first, and queues one
-- queue-processor call per shard with pg_net (net.http_post), the project URL and service role key read from Vault.
-- Each invocation's work is bounded by the shard, whatever the number of admins. The local stack has stand-ins for
-- pg_net's queue and Vault (local-supabase/bootstrap.sql, pgnet.ts) and its cron stand-in runs this same SQL.

-- Pairs with work at `at`: running, owner still an admin of the client, window open, client not paused, not leased by a
-- run still going, and a due item or a lapsed lease. Numbered from 0, least recently served first, into shards.
create function public.processor_shards(at timestamptz default now(), shard_size integer default null)
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
           row_number() over (order by s.last_served_at nulls first, s.user_id, s.client_id) - 1 as n
      from public.user_queue_settings s
      join public.clients c on c.id = s.client_id
     where s.processing_state = 'running'
       and (s.lease_until is null or s.lease_until <= now())
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

-- One tick: one queue-processor call per shard through pg_net. `at` pins the business clock (tests); the calls then
-- carry it as `now`. Returns the pg_net request ids.
create function public.dispatch_queue_processor(at timestamptz default null) returns bigint[]
language plpgsql
set search_path = ''
as $$
declare
  base text := (select d.decrypted_secret from vault.decrypted_secrets d where d.name = 'project_url');
  secret text := (select d.decrypted_secret from vault.decrypted_secrets d where d.name = 'service_role_key');
  timeout integer := (select c.request_timeout_ms from private.processor_config c);
  shard record;
  ids bigint[] := '{}';
begin
  if base is null or secret is null then
    raise exception 'Vault secrets project_url and service_role_key are required to dispatch the processor' using errcode = '55000';
  end if;
  for shard in select * from public.processor_shards(coalesce(at, now())) loop
    ids := ids || net.http_post(
      url := base || '/functions/v1/queue-processor',
      body := jsonb_strip_nulls(jsonb_build_object('pairs', shard.pairs, 'trigger', 'dispatcher', 'now', at)),
      headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || secret),
      timeout_milliseconds := timeout);
  end loop;
  return ids;
end
$$;

revoke all on function public.processor_shards(timestamptz, integer), public.dispatch_queue_processor(timestamptz)
  from public, anon, authenticated;
grant execute on function public.processor_shards(timestamptz, integer) to service_role;

-- Hosted: the minute job now runs the dispatcher instead of one processor call for everyone.
do $migration$
begin
  if not exists (select 1 from pg_extension where extname = 'pg_cron') then
    raise notice 'pg_cron is not installed: the dispatcher is not scheduled in this database';
    return;
  end if;
  perform cron.unschedule(j.jobid) from cron.job j where j.jobname in ('queue-processor', 'queue-dispatcher');
  perform cron.schedule('queue-dispatcher', '* * * * *', 'select public.dispatch_queue_processor()');
end
$migration$;
