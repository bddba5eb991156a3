-- The dashboard's drain at 1M rows: 90 ms as an admin and 0.6-0.9 s as a manager. Grouping the client's waiting items
-- by pair and picking each pair's items to project (its last one, its last due one, every one eligible later, one in
-- flight) ran under RLS, the policy paid per row over every waiting item of the client (67k for the manager of client
-- 0) and the status and priority bounds (enum comparisons, not leakproof) left as filters. Now the pairs and their
-- waiting counts are read from queue_status_counts (kept by the queue's statement triggers, under the same policy),
-- and private.drain_ids picks a pair's items as a definer on the partial indexes, for a pair the caller may read
-- (private.pair_visible, the queue's select policy, which depends on the pair alone). The projection is unchanged.

create function private.drain_ids(pair_user uuid, pair_client uuid, first_tick timestamptz) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not private.pair_visible(pair_user, pair_client) then
    return '{}';
  end if;
  -- Due items go in claim order, so the last due one is the last of them to go; with it the walk needs only the items
  -- eligible later and one in flight.
  return array(
    (select q.id from public.whatsapp_message_queue q
      where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
      order by q.priority asc, q.scheduled_for desc, q.id desc limit 1)
    union
    (select q.id from public.whatsapp_message_queue q
      where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
        and greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) <= first_tick
      order by q.priority asc, q.scheduled_for desc, q.id desc limit 1)
    union
    select q.id from public.whatsapp_message_queue q
     where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
       and greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) > first_tick
    union
    (select q.id from public.whatsapp_message_queue q
      where q.status in ('queued', 'processing') and q.user_id = pair_user and q.client_id = pair_client limit 1));
end
$$;

revoke all on function private.drain_ids(uuid, uuid, timestamptz) from public, anon;
grant execute on function private.drain_ids(uuid, uuid, timestamptz) to authenticated, service_role;

create or replace function public.queue_drain(for_client uuid default null, at timestamptz default now(),
  out waiting integer, out drain_at timestamptz, out paused boolean)
language sql stable
set search_path = ''
as $$
  select coalesce(sum(p.n), 0)::integer, max(o.last), coalesce(bool_or(o.paused), false)
    from (select c.user_id, c.client_id, sum(c.items)::integer as n
            from public.queue_status_counts c
           where c.status in ('pending', 'queued', 'processing') and (for_client is null or c.client_id = for_client)
           group by c.user_id, c.client_id
          having sum(c.items) > 0) p
    cross join lateral (select max(x.expected_send_at) as last, bool_or(x.waiting_for = 'admin_paused') as paused
                          from private.pair_outlook(p.user_id, p.client_id,
                                 private.drain_ids(p.user_id, p.client_id, private.next_minute(coalesce(at, now()))),
                                 coalesce(at, now())) x) o
$$;
