-- drain_ids looks the pair's later items up instead of filtering every pending item (issue 11 item 1 at 1M rows, the
-- dashboard's drain: the manager's 43.4 ms p50 / 44.7 p95 direct, over 30). "Eligible after the first tick" was a
-- filter on greatest(scheduled_for, next_attempt_at) over all ~3,920 pending entries of each running pair (0.5-0.9 ms
-- a pair, ~20 % of the drain). It is scheduled later (a range of scheduled_for in each priority on
-- queue_outlook_pair_idx) or retrying later (queue_pending_retry_idx, the pending retries only): 0.19 ms a pair.

create or replace function private.drain_ids(pair_user uuid, pair_client uuid, first_tick timestamptz) returns uuid[]
language plpgsql stable security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
begin
  if not private.pair_visible(pair_user, pair_client) then
    return '{}';
  end if;
  -- Due items go in claim order, so the last due one is the last of them to go; with it the walk needs only the items
  -- eligible later (scheduled later, in a range of each priority, or retrying later, on the retries' index) and one in flight.
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
       and q.priority = any (enum_range(null::public.queue_priority)) and q.scheduled_for > first_tick
    union
    select q.id from public.whatsapp_message_queue q
     where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
       and q.next_attempt_at is not null and q.next_attempt_at > first_tick
    union
    (select q.id from public.whatsapp_message_queue q
      where q.status in ('queued', 'processing') and q.user_id = pair_user and q.client_id = pair_client limit 1));
end
$$;
