-- tables: tenants, members, leads, the WhatsApp outreach queue, per-admin settings, the hourly metrics rollup,
-- the append-only audit log, holiday calendars and rate-limit buckets, each with the indexes that serve its
-- queries, and the realtime publication of the queue and the settings. Privileges and RLS come later.

create table public.clients (
  id uuid primary key default gen_random_uuid(),
  name text not null constraint clients_name_length check (char_length(name) between 1 and 200),
  whatsapp_number text constraint clients_whatsapp_number_e164 check (whatsapp_number is null or private.is_e164(whatsapp_number)),
  -- Set by the processor when the Agent DB answers 429/503 with Retry-After: the whole client waits.
  sending_paused_until timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.clients is 'A business (tenant) with one WhatsApp number.';

create table public.client_members (
  client_id uuid not null references public.clients (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.member_role not null,
  created_at timestamptz not null default now(),
  primary key (client_id, user_id)
);
create index client_members_user_id_idx on public.client_members (user_id);
comment on table public.client_members is 'admin: queues, configures, starts/pauses. manager: reads everything of the client, changes nothing.';

create table public.leads (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  name text not null constraint leads_name_length check (char_length(name) between 1 and 200),
  phone text not null constraint leads_phone_e164 check (private.is_e164(phone)),
  email text constraint leads_email_length check (email is null or char_length(email) <= 320),
  opted_out_at timestamptz,
  last_contacted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint leads_client_phone_key unique (client_id, phone),
  -- Lets queue items reference (lead, client) together, so an item can never point at another client's lead.
  constraint leads_id_client_key unique (id, client_id)
);
create index leads_client_id_name_idx on public.leads (client_id, name);

create table public.whatsapp_message_queue (
  id uuid primary key default gen_random_uuid(),
  lead_id uuid not null,
  -- The client is guaranteed (and cascades) through (lead_id, client_id) -> leads(id, client_id) below.
  client_id uuid not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  status public.queue_item_status not null default 'pending',
  priority public.queue_priority not null default 'normal',
  scheduled_for timestamptz not null default now(),
  queued_at timestamptz not null default now(),
  processed_at timestamptz,
  message_template text not null default 'initial_outreach'
    constraint queue_message_template_length check (char_length(message_template) between 1 and 100),
  message_variables jsonb not null default '{}'
    constraint queue_message_variables_object check (jsonb_typeof(message_variables) = 'object' and pg_column_size(message_variables) <= 8192),
  attempts integer not null default 0 constraint queue_attempts_range check (attempts >= 0),
  max_attempts integer not null default 5 constraint queue_max_attempts_range check (max_attempts between 1 and 20),
  next_attempt_at timestamptz,
  locked_by text,
  locked_until timestamptz,
  last_error text constraint queue_last_error_length check (last_error is null or char_length(last_error) <= 2000),
  error_code text constraint queue_error_code_length check (error_code is null or char_length(error_code) <= 100),
  agent_trigger_id text,
  agent_conversation_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint queue_lead_of_client_fkey foreign key (lead_id, client_id) references public.leads (id, client_id) on delete cascade,
  -- A lease exists exactly while an item is claimed (queued) or in flight (processing).
  constraint queue_lease_matches_status check (
    (status in ('queued', 'processing')) = (locked_by is not null and locked_until is not null)
  )
);
comment on column public.whatsapp_message_queue.status is
  'pending -> queued (claimed) -> processing (webhook in flight) -> sent | failed; pending -> processing when claimed to be sent at once (claim_queue_batch start_now); pending|queued -> cancelled; failed -> pending (retry). Only the service role moves items past pending.';

-- The spec's indexes.
create index idx_queue_status_priority on public.whatsapp_message_queue (status, priority desc, scheduled_for asc);
create index idx_queue_lead_id on public.whatsapp_message_queue (lead_id);
create index idx_queue_user_id on public.whatsapp_message_queue (user_id);
-- Exactly the claim query's order, over pending rows only (global and per admin).
create index queue_claim_idx on public.whatsapp_message_queue (priority desc, scheduled_for, id) where status = 'pending';
create index queue_claim_user_idx on public.whatsapp_message_queue (user_id, priority desc, scheduled_for, id) where status = 'pending';
-- Leases to reclaim.
create index queue_lease_idx on public.whatsapp_message_queue (locked_until) where status in ('queued', 'processing');
-- At most one active item per lead.
create unique index queue_one_active_per_lead_idx on public.whatsapp_message_queue (lead_id) where status in ('pending', 'queued', 'processing');
-- Daily capacity per admin and scheduled day.
create index queue_user_scheduled_idx on public.whatsapp_message_queue (user_id, scheduled_for) where status in ('pending', 'queued', 'processing', 'sent');
-- The dashboard's aggregates over exactly what a caller may see (own items, or a managed client's),
-- served index-only: active and finished work per admin and per client.
create index queue_active_user_idx on public.whatsapp_message_queue (user_id, status, scheduled_for)
  include (client_id, next_attempt_at) where status in ('pending', 'queued', 'processing');
create index queue_active_client_idx on public.whatsapp_message_queue (client_id, status, scheduled_for)
  include (user_id, next_attempt_at) where status in ('pending', 'queued', 'processing');
create index queue_finished_user_idx on public.whatsapp_message_queue (user_id, processed_at)
  include (client_id, status) where status in ('sent', 'failed');
create index queue_finished_client_idx on public.whatsapp_message_queue (client_id, processed_at)
  include (user_id, status) where status in ('sent', 'failed');
-- The pending tab: under RLS a `status = 'pending'` filter is never an index condition (enum_eq is not
-- leakproof), but a partial index's predicate needs no operator call; id last gives the UI's order.
create index queue_client_pending_created_idx on public.whatsapp_message_queue (client_id, created_at desc, id)
  where status = 'pending';
create index queue_client_created_idx on public.whatsapp_message_queue (client_id, created_at desc);

create table public.user_queue_settings (
  user_id uuid primary key references auth.users (id) on delete cascade,
  client_id uuid not null references public.clients (id) on delete cascade,
  timezone text not null default 'Asia/Jerusalem'
    constraint settings_timezone_valid check (private.is_valid_timezone(timezone)),
  business_hours jsonb not null default '{
    "sunday":    {"enabled": true,  "start": "09:00", "end": "17:00"},
    "monday":    {"enabled": true,  "start": "09:00", "end": "17:00"},
    "tuesday":   {"enabled": true,  "start": "09:00", "end": "17:00"},
    "wednesday": {"enabled": true,  "start": "09:00", "end": "17:00"},
    "thursday":  {"enabled": true,  "start": "09:00", "end": "17:00"},
    "friday":    {"enabled": false, "start": "09:00", "end": "13:00"},
    "saturday":  {"enabled": false, "start": "09:00", "end": "17:00"}
  }'::jsonb constraint settings_business_hours_valid check (private.is_valid_business_hours(business_hours)),
  holiday_calendar text not null default 'IL' constraint settings_holiday_calendar_known check (holiday_calendar in ('IL', 'none')),
  closed_dates date[] not null default '{}' constraint settings_closed_dates_bounded check (cardinality(closed_dates) <= 366),
  short_erev_chag boolean not null default false,
  erev_chag_end text not null default '13:00' constraint settings_erev_chag_end_format check (erev_chag_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  daily_target integer not null default 45 constraint settings_daily_target_range check (daily_target between 1 and 100000),
  max_capacity integer not null default 200 constraint settings_max_capacity_range check (max_capacity between 1 and 100000),
  batch_size integer not null default 10 constraint settings_batch_size_range check (batch_size between 1 and 100),
  processing_delay_ms integer not null default 2000 constraint settings_processing_delay_range check (processing_delay_ms between 0 and 60000),
  rate_limit_per_hour integer not null default 1000 constraint settings_rate_limit_range check (rate_limit_per_hour between 1 and 100000),
  processing_state public.processing_state not null default 'paused',
  retention_days integer not null default 30 constraint settings_retention_range check (retention_days between 1 and 3650),
  last_processor_run_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint settings_target_within_capacity check (daily_target <= max_capacity)
);
create index user_queue_settings_client_id_idx on public.user_queue_settings (client_id);
create index user_queue_settings_running_idx on public.user_queue_settings (user_id) where processing_state = 'running';

create table public.queue_performance_metrics (
  user_id uuid not null references auth.users (id) on delete cascade,
  client_id uuid not null references public.clients (id) on delete cascade,
  hour timestamptz not null constraint metrics_hour_truncated check (hour = date_trunc('hour', hour)),
  queued integer not null default 0,
  sent integer not null default 0,
  failed integer not null default 0,
  retried integer not null default 0,
  cancelled integer not null default 0,
  latency_ms_sum bigint not null default 0,
  -- Sharded per backend so concurrent workers of one admin never wait on one row lock until commit.
  shard smallint not null default 0,
  primary key (user_id, hour, shard)
);
create index queue_performance_metrics_hour_idx on public.queue_performance_metrics (hour);
create index queue_performance_metrics_client_hour_idx on public.queue_performance_metrics (client_id, hour);
comment on table public.queue_performance_metrics is 'Hourly rollup per admin, kept by triggers on the queue (latency = queued_at -> processed_at of sent items).';

create table public.queue_audit_log (
  id bigint generated always as identity primary key,
  -- No foreign keys: their checks locked the client's and the admin's row for every audited transition of every
  -- worker; delete triggers (in the triggers migration) do what they did on delete.
  client_id uuid not null,
  user_id uuid,
  actor_id uuid,
  queue_item_id uuid,
  action text not null constraint audit_action_length check (char_length(action) between 1 and 64),
  from_status public.queue_item_status,
  to_status public.queue_item_status,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index queue_audit_log_client_created_idx on public.queue_audit_log (client_id, created_at desc);
create index queue_audit_log_action_created_idx on public.queue_audit_log (action, created_at);
create index queue_audit_log_item_idx on public.queue_audit_log (queue_item_id);
comment on table public.queue_audit_log is 'Append-only: every transition, admin action and rejected attempt.';

-- Closed days of a holiday calendar, generated from @hebcal/core (see scripts/gen-holidays.ts).
create table public.calendar_closed_days (
  calendar text not null,
  day date not null,
  name text not null,
  kind text not null constraint calendar_kind_known check (kind in ('yom_tov', 'modern', 'erev')),
  primary key (calendar, day)
);

-- Token buckets for rate limits (queueing per admin, WhatsApp sends per client).
create table private.rate_buckets (
  bucket text primary key constraint rate_bucket_length check (char_length(bucket) between 1 and 200),
  tokens double precision not null,
  updated_at timestamptz not null
);

alter publication supabase_realtime add table public.whatsapp_message_queue, public.user_queue_settings;
