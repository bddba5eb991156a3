-- The status tabs whose items are rare, at 1,000,000 items (suite 3's fixture, client 0): under RLS `status = $2` is
-- never an index condition (enum_eq is not leakproof), so a tab walks the caller's list in order and filters. Where
-- the status is common (sent) the page fills at once, and pending has its own partial index; but the in-flight tabs
-- (queued, processing: a few dozen items at any time, created whenever they were queued) and failed or cancelled (none
-- among the newest quarter) walked tens of thousands of rows: admin0's queued tab 224-311 ms, the manager's failed tab
-- 105 ms (medians, direct, load 7). A partial index's predicate needs no operator call under RLS, as for pending, so
-- each group gets the list's order over its own rows, per owner (an admin's ranges) and per client (a manager's); with
-- them every tab's first page was 2-6 ms (median, same load), both callers. The in-flight pair gains an entry when the
-- processor claims an item (the rows leave it when they are sent); failed and cancelled ones only when an item stops.
create index queue_list_owner_inflight_idx on public.whatsapp_message_queue (client_id, user_id, created_at desc, id desc)
  where status in ('queued', 'processing');
create index queue_list_client_inflight_idx on public.whatsapp_message_queue (client_id, created_at desc, id desc)
  where status in ('queued', 'processing');
create index queue_list_owner_stopped_idx on public.whatsapp_message_queue (client_id, user_id, created_at desc, id desc)
  where status in ('failed', 'cancelled');
create index queue_list_client_stopped_idx on public.whatsapp_message_queue (client_id, created_at desc, id desc)
  where status in ('failed', 'cancelled');
