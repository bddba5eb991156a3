-- The export as CSV straight from PostgREST (Accept: text/csv): the cells leave the database already defused, so the
-- browser keeps each page's body as a Blob and never parses it. Both functions run as the caller: RLS decides the rows.

-- Keyset pages over the client's items in creation order: a page costs the same at row 100,000 as at row 1.
create index if not exists queue_export_idx on public.whatsapp_message_queue (client_id, created_at, id);

-- OWASP CSV injection, as src/lib/csv.ts: a cell a spreadsheet would run as a formula gets a leading apostrophe.
create function private.csv_safe(value text) returns text
language sql immutable parallel safe
as $$ select case when value ~ '^[=+\-@\t\r]' then '''' || value else value end $$;
revoke all on function private.csv_safe(text) from public, anon;
grant execute on function private.csv_safe(text) to authenticated, service_role;

-- The items of one export filter after a cursor, in (created_at, id) order: the page the CSV and the cursor share.
-- No SET clause, so the planner inlines it and the index serves the order and the limit.
create function private.export_items(client_id uuid, created_from timestamptz, created_to timestamptz, status_filter text,
  after_created_at timestamptz, after_id uuid)
returns setof public.whatsapp_message_queue
language sql stable
as $$
  select q.* from public.whatsapp_message_queue q
   where q.client_id = export_items.client_id
     and q.created_at >= export_items.created_from and q.created_at < export_items.created_to
     and (export_items.status_filter = 'all' or q.status::text = export_items.status_filter)
     and (export_items.after_created_at is null or (q.created_at, q.id) > (export_items.after_created_at, export_items.after_id))
   order by q.created_at, q.id
$$;
revoke all on function private.export_items(uuid, timestamptz, timestamptz, text, timestamptz, uuid) from public, anon;
grant execute on function private.export_items(uuid, timestamptz, timestamptz, text, timestamptz, uuid) to authenticated, service_role;

-- Where the next page starts: the key of the page_size-th item after the cursor, or no row when this page is the last.
create function public.export_page_end(client_id uuid, created_from timestamptz, created_to timestamptz, status_filter text default 'all',
  after_created_at timestamptz default null, after_id uuid default null, page_size integer default 1000)
returns table (created_at timestamptz, id uuid)
language sql stable
set search_path = ''
as $$
  select e.created_at, e.id
    from private.export_items(export_page_end.client_id, export_page_end.created_from, export_page_end.created_to,
                              export_page_end.status_filter, export_page_end.after_created_at, export_page_end.after_id) e
  offset greatest(export_page_end.page_size, 1) - 1 limit 1
$$;

-- One page of the file: the items after the cursor up to and including the page's end (all that remain without one).
-- The column names are the file's header; timestamps in ISO 8601 as the JSON API writes them.
create function public.export_queue_csv(client_id uuid, created_from timestamptz, created_to timestamptz, status_filter text default 'all',
  after_created_at timestamptz default null, after_id uuid default null, until_created_at timestamptz default null,
  until_id uuid default null)
returns table (queue_item_id uuid, lead_name text, lead_phone text, status text, priority text, template text, attempts integer,
  error_code text, last_error text, agent_conversation_id text, created_at text, scheduled_for text, processed_at text)
language sql stable
set search_path = ''
as $$
  select e.id, private.csv_safe(l.name), private.csv_safe(l.phone), e.status::text, e.priority::text,
         private.csv_safe(e.message_template), e.attempts, private.csv_safe(e.error_code), private.csv_safe(e.last_error),
         private.csv_safe(e.agent_conversation_id), to_json(e.created_at) #>> '{}', to_json(e.scheduled_for) #>> '{}',
         to_json(e.processed_at) #>> '{}'
    from private.export_items(export_queue_csv.client_id, export_queue_csv.created_from, export_queue_csv.created_to,
                              export_queue_csv.status_filter, export_queue_csv.after_created_at, export_queue_csv.after_id) e
    left join public.leads l on l.id = e.lead_id
   where export_queue_csv.until_created_at is null
      or (e.created_at, e.id) <= (export_queue_csv.until_created_at, export_queue_csv.until_id)
   order by e.created_at, e.id
$$;

revoke all on function public.export_page_end(uuid, timestamptz, timestamptz, text, timestamptz, uuid, integer) from public, anon;
revoke all on function public.export_queue_csv(uuid, timestamptz, timestamptz, text, timestamptz, uuid, timestamptz, uuid) from public, anon;
grant execute on function public.export_page_end(uuid, timestamptz, timestamptz, text, timestamptz, uuid, integer) to authenticated;
grant execute on function public.export_queue_csv(uuid, timestamptz, timestamptz, text, timestamptz, uuid, timestamptz, uuid) to authenticated;
