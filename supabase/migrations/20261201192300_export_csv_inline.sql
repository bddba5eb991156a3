-- Every function of ours fixes its search_path (tests/db/schema.test.ts), and a function with a SET clause is never
-- inlined: the two export helpers of 20261201192100 go, their query and the formula guard written into each export
-- function, so the planner still walks queue_export_idx in order and stops at the page.

create or replace function public.export_page_end(client_id uuid, created_from timestamptz, created_to timestamptz, status_filter text default 'all',
  after_created_at timestamptz default null, after_id uuid default null, page_size integer default 1000)
returns table (created_at timestamptz, id uuid)
language sql stable
set search_path = ''
as $$
  select q.created_at, q.id from public.whatsapp_message_queue q
   where q.client_id = export_page_end.client_id
     and q.created_at >= export_page_end.created_from and q.created_at < export_page_end.created_to
     and (export_page_end.status_filter = 'all' or q.status::text = export_page_end.status_filter)
     and (export_page_end.after_created_at is null or (q.created_at, q.id) > (export_page_end.after_created_at, export_page_end.after_id))
   order by q.created_at, q.id
  offset greatest(export_page_end.page_size, 1) - 1 limit 1
$$;

-- OWASP CSV injection, as src/lib/csv.ts: a cell a spreadsheet would run as a formula gets a leading apostrophe.
create or replace function public.export_queue_csv(client_id uuid, created_from timestamptz, created_to timestamptz, status_filter text default 'all',
  after_created_at timestamptz default null, after_id uuid default null, until_created_at timestamptz default null,
  until_id uuid default null)
returns table (queue_item_id uuid, lead_name text, lead_phone text, status text, priority text, template text, attempts integer,
  error_code text, last_error text, agent_conversation_id text, created_at text, scheduled_for text, processed_at text)
language sql stable
set search_path = ''
as $$
  select q.id, s.cells[1], s.cells[2], q.status::text, q.priority::text, s.cells[3], q.attempts, s.cells[4], s.cells[5], s.cells[6],
         to_json(q.created_at) #>> '{}', to_json(q.scheduled_for) #>> '{}', to_json(q.processed_at) #>> '{}'
    from public.whatsapp_message_queue q
    left join public.leads l on l.id = q.lead_id
   cross join lateral (
     select array(select case when v.cell ~ '^[=+\-@\t\r]' then '''' || v.cell else v.cell end
                    from unnest(array[l.name, l.phone, q.message_template, q.error_code, q.last_error, q.agent_conversation_id])
                         with ordinality as v(cell, n) order by v.n) as cells
   ) s
   where q.client_id = export_queue_csv.client_id
     and q.created_at >= export_queue_csv.created_from and q.created_at < export_queue_csv.created_to
     and (export_queue_csv.status_filter = 'all' or q.status::text = export_queue_csv.status_filter)
     and (export_queue_csv.after_created_at is null or (q.created_at, q.id) > (export_queue_csv.after_created_at, export_queue_csv.after_id))
     and (export_queue_csv.until_created_at is null or (q.created_at, q.id) <= (export_queue_csv.until_created_at, export_queue_csv.until_id))
   order by q.created_at, q.id
$$;

drop function private.export_items(uuid, timestamptz, timestamptz, text, timestamptz, uuid);
drop function private.csv_safe(text);
