-- schedule: queue-processor every minute (pg_cron + pg_net, URL and service role key read from Vault)
-- and the retention purge daily. Applied only where those extensions exist (hosted Supabase, the CLI's
-- Docker stack); elsewhere (the Docker-free local stack) it is a no-op and local-supabase's scheduler
-- calls the function instead. The cron runs in UTC; the processor checks each admin's window itself.
-- Kept last and apart: re-running it alone (after enabling the extensions) schedules the jobs.
--
-- Before the job can succeed, store two Vault secrets once per project:
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');
do $migration$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron')
     or not exists (select 1 from pg_available_extensions where name = 'pg_net')
     or not exists (select 1 from pg_available_extensions where name = 'supabase_vault') then
    raise notice 'pg_cron, pg_net or supabase_vault is not available: queue-processor is not scheduled in this database';
    return;
  end if;

  create extension if not exists pg_cron;
  create extension if not exists pg_net with schema extensions;
  create extension if not exists supabase_vault;

  -- Re-running the migration (or a db reset) replaces the jobs instead of adding duplicates.
  perform cron.unschedule(j.jobid) from cron.job j where j.jobname in ('queue-processor', 'queue-purge');

  perform cron.schedule(
    'queue-processor',
    '* * * * *',
    $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/queue-processor',
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')
      ),
      body := '{}'::jsonb,
      timeout_milliseconds := 60000
    ) as request_id;
    $job$
  );

  perform cron.schedule('queue-purge', '17 3 * * *', 'select public.purge_expired_queue_items()');
end
$migration$;
