-- The workflow's memory of which webhook-ids it has accepted: one row per Leads Queue queue item.
-- Run once in the PostgreSQL that the workflow's "Leads Queue deliveries" credential points at
-- (n8n's own database works). The claim is one INSERT ... ON CONFLICT, so two requests with the
-- same webhook-id, even at the same instant, start at most one conversation.
create table if not exists leads_queue_deliveries (
  webhook_id text primary key,
  lead_id text not null,
  trigger_id text not null,
  attempt integer not null check (attempt >= 1),
  -- accepted: answered 200, conversation starting; started: has a conversation; failed: may be claimed again.
  status text not null default 'accepted' check (status in ('accepted', 'started', 'failed')),
  conversation_id text,
  error text,
  requests integer not null default 1,
  first_request_at timestamptz not null default now(),
  last_request_at timestamptz not null default now()
);

-- Serves the daily purge ("Purge old deliveries").
create index if not exists leads_queue_deliveries_last_request_at on leads_queue_deliveries (last_request_at);
