-- queue_outlook answers the pairs that are not running in SQL (issue 11 item 1 at 1M rows): the manager's page spans
-- 17 pairs of client 0, 8 of them paused, and each paused pair was a pair_outlook call (its settings, client and items
-- read again under the policies, ~0.25 ms a pair) for private.pair_outlook's first two reasons: in flight (until the
-- lease, expected now) and otherwise admin_paused (no time), the error code kept when the item has attempts. The
-- items are read once, under the queue's policy, with the columns those reasons need; the settings under theirs (a
-- pair whose settings the caller cannot read is not running, as in pair_outlook). queue_drain does the same since
-- 20261202190200.

create or replace function public.queue_outlook(item_ids uuid[] default null, for_client uuid default null, at timestamptz default now())
returns table (queue_item_id uuid, waiting_for text, waiting_until timestamptz, expected_send_at timestamptz,
  holiday_name text, error_code text, attempt integer, max_attempts integer)
language sql stable
set search_path = ''
as $$
  with items as (
    select q.id, q.user_id, q.client_id, q.status, q.locked_until, q.error_code, q.attempts, q.max_attempts
      from public.whatsapp_message_queue q
     where item_ids is not null and q.id = any (item_ids) and q.status in ('pending', 'queued', 'processing')
       and (for_client is null or q.client_id = for_client)
    union all
    select q.id, q.user_id, q.client_id, q.status, q.locked_until, q.error_code, q.attempts, q.max_attempts
      from public.whatsapp_message_queue q
     where item_ids is null and q.status in ('pending', 'queued', 'processing')
       and (for_client is null or q.client_id = for_client)),
  pairs as (
    select i.user_id, i.client_id, array_agg(i.id) as ids, s.processing_state is not distinct from 'running' as running
      from items i
      left join public.user_queue_settings s on s.user_id = i.user_id and s.client_id = i.client_id
     group by i.user_id, i.client_id, s.processing_state)
  select o.*
    from pairs p, lateral private.pair_outlook(p.user_id, p.client_id, p.ids, coalesce(at, now())) o
   where p.running
  union all
  -- A pair that is not running (paused, or settings the caller cannot read): pair_outlook's first two reasons.
  select i.id, case when i.status = 'pending' then 'admin_paused' else 'in_flight' end,
         case when i.status <> 'pending' then i.locked_until end, case when i.status <> 'pending' then coalesce(at, now()) end,
         null, case when i.attempts > 0 then i.error_code end, i.attempts, i.max_attempts
    from items i
    join pairs p on p.user_id = i.user_id and p.client_id = i.client_id and not p.running
$$;
