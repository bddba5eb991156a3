-- capacity meter and cancel all: "137 of 200 sent today" for the dashboard, and "cancel all waiting" as one server
-- call over every waiting item the caller may cancel in a client, not the page the list happened to load.

-- Sent today (each admin's local day) and in flight, against the capacity, over the (admin, client) pairs whose
-- settings the caller sees: an admin their own, a manager every admin of the client. Security invoker: RLS decides.
create function public.queue_capacity_today(for_client uuid default null, at timestamptz default now(),
  out sent_today integer, out in_flight integer, out capacity integer)
language sql stable
set search_path = ''
as $$
  select coalesce(sum(p.sent), 0)::integer, coalesce(sum(p.flying), 0)::integer, coalesce(sum(p.cap), 0)::integer
    from (select s.max_capacity as cap,
                 (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = s.user_id and q.client_id = s.client_id and q.status = 'sent'
                     and q.processed_at >= (select b.day_start from private.local_day_bounds(coalesce(at, now()), s.timezone) b)
                     and q.processed_at < (select b.day_end from private.local_day_bounds(coalesce(at, now()), s.timezone) b)) as sent,
                 (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = s.user_id and q.client_id = s.client_id and q.status in ('queued', 'processing')) as flying
            from public.user_queue_settings s
           where (for_client is null or s.client_id = for_client)
             and (s.user_id = (select auth.uid()) or s.client_id in (select private.manager_client_ids()))) p
$$;

-- Cancels every waiting (pending or queued) item the caller may cancel in the client: their own, and those a departed
-- admin left behind. Returns how many were cancelled.
create function public.cancel_waiting_items(for_client uuid) returns integer
language sql
set search_path = ''
as $$
  select private.cancel_own_queue_items(array(
    select q.id from public.whatsapp_message_queue q
     where q.client_id = for_client and q.status in ('pending', 'queued')))
$$;

revoke all on function public.queue_capacity_today(uuid, timestamptz), public.cancel_waiting_items(uuid) from public, anon;
grant execute on function public.queue_capacity_today(uuid, timestamptz), public.cancel_waiting_items(uuid) to authenticated;
