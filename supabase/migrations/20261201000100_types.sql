-- types: the queue's enums (declared in the order their values sort: priorities and statuses compare by
-- meaning), the private schema PostgREST never exposes, and the value checks that table constraints call.

create type public.queue_item_status as enum ('pending', 'queued', 'processing', 'sent', 'failed', 'cancelled');
create type public.queue_priority as enum ('low', 'normal', 'high', 'immediate');
create type public.member_role as enum ('admin', 'manager');
create type public.processing_state as enum ('running', 'paused');

-- Internals that PostgREST never exposes; signed-in users and the service role reach only what is granted them.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create function private.is_e164(phone text) returns boolean
language sql immutable
set search_path = ''
as $$ select phone ~ '^\+[1-9][0-9]{7,14}$' $$;

create function private.is_valid_timezone(tz text) returns boolean
language sql stable
set search_path = ''
as $$ select exists (select 1 from pg_catalog.pg_timezone_names where name = tz) $$;

-- Business hours: one entry per weekday, {"enabled": bool, "start": "HH:MM", "end": "HH:MM" or "24:00"}, start < end.
create function private.is_valid_business_hours(hours jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select jsonb_typeof(hours) = 'object'
    and (select count(*) from jsonb_object_keys(hours)) = 7
    and (
      select bool_and(
        d.day = any (array['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'])
        and jsonb_typeof(d.rule -> 'enabled') = 'boolean'
        and coalesce(d.rule ->> 'start', '') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
        and (coalesce(d.rule ->> 'end', '') ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' or d.rule ->> 'end' = '24:00')
        and d.rule ->> 'start' < d.rule ->> 'end'
      )
      from jsonb_each(hours) as d(day, rule)
    )
$$;

-- Check constraints call them as the user who writes the row.
revoke all on function private.is_e164(text), private.is_valid_timezone(text), private.is_valid_business_hours(jsonb)
  from public, anon;
grant execute on function private.is_e164(text), private.is_valid_timezone(text), private.is_valid_business_hours(jsonb)
  to authenticated, service_role;
