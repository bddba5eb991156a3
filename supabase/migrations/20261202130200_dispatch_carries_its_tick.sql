-- The dispatcher's calls carry their tick (`dispatchedAt`, the database's now() when the minute's job ran), and the
-- processor claims for the claim window from the tick, not from when the call reached it. A call that pg_net delivered
-- or the runtime started late used to lease its pairs until start + 57 s, past the next tick, which then found them
-- held and skipped them for a whole minute (seen at 1,000 admins on a loaded machine: 140 shards in two ticks, not 200).
-- Deploy the functions before this migration: an older queue-processor refuses the new field (its input is strict).

create or replace function public.dispatch_queue_processor(at timestamptz default null) returns bigint[]
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
      body := jsonb_strip_nulls(jsonb_build_object('pairs', shard.pairs, 'trigger', 'dispatcher', 'now', at, 'dispatchedAt', now())),
      headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || secret),
      timeout_milliseconds := timeout);
  end loop;
  return ids;
end
$$;
