-- dashboard counts from the kept counters: queue_status, queue_alerts and queue_admin_status counted a manager's
-- 67,000 active items one index entry at a time (27 ms at 1M rows). Items per (admin, client, status) are kept by the
-- queue's statement triggers in queue_status_counts (written in the same transaction as the items, so one snapshot sees
-- both alike); only what they cannot give is read from the queue, per visible pair and by index:
-- * due now = pending - pending not yet due, where not yet due is a future scheduled_for (a range after now()) or a
--   retry's next attempt ahead (queue_pending_retry_idx holds only retries), both usually few;
-- * the earliest due time is the first entry of the pair's pending range (a min that stops at one entry);
-- * sent and failed since `since` stay a range of the pair's finished items.
-- Same answers and the same visible set (the counters' read policy restated, as the queue's is in the functions this
-- replaces); nothing a send writes changes.

create function private.visible_pair_counts(since timestamptz, for_client uuid)
returns table (user_id uuid, client_id uuid, depth bigint, queued bigint, processing bigint, due_now bigint,
               oldest_due timestamptz, sent bigint, failed bigint)
language sql stable security definer
set search_path = ''
as $$
  select p.user_id, p.client_id, p.pending, p.queued, p.processing,
         p.pending - case when p.pending = 0 then 0 else
           (select count(*) from public.whatsapp_message_queue q
             where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending' and q.scheduled_for > now())
           + (select count(*) from public.whatsapp_message_queue q
               where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending'
                 and q.next_attempt_at is not null and q.next_attempt_at > now() and q.scheduled_for <= now()) end,
         case when p.pending > 0 then
           (select min(q.scheduled_for) from public.whatsapp_message_queue q
             where q.user_id = p.user_id and q.client_id = p.client_id and q.status = 'pending' and q.scheduled_for <= now()) end,
         f.sent, f.failed
    from (
      select c.user_id, c.client_id,
             coalesce(sum(c.items) filter (where c.status = 'pending'), 0)::bigint as pending,
             coalesce(sum(c.items) filter (where c.status = 'queued'), 0)::bigint as queued,
             coalesce(sum(c.items) filter (where c.status = 'processing'), 0)::bigint as processing
        from public.queue_status_counts c
       where (for_client is null or c.client_id = for_client)
         and (c.client_id in (select private.manager_client_ids())
              or (c.user_id = (select auth.uid()) and c.client_id in (select private.member_client_ids()))
              or (c.client_id, c.user_id) in (select d.client_id, d.user_id from private.departed_owners() d))
       group by c.user_id, c.client_id
    ) p
    cross join lateral (
      select count(*) filter (where q.status = 'sent') as sent, count(*) filter (where q.status = 'failed') as failed
        from public.whatsapp_message_queue q
       where since is not null and q.user_id = p.user_id and q.client_id = p.client_id
         and q.status in ('sent', 'failed') and q.processed_at >= since
    ) f
   where p.pending + p.queued + p.processing + f.sent + f.failed > 0
$$;
revoke all on function private.visible_pair_counts(timestamptz, uuid) from public, anon;
grant execute on function private.visible_pair_counts(timestamptz, uuid) to authenticated, service_role;

create or replace function private.visible_active_counts(for_client uuid,
  out depth bigint, out queued bigint, out processing bigint, out due_now bigint, out oldest_due timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select coalesce(sum(v.depth), 0)::bigint, coalesce(sum(v.queued), 0)::bigint, coalesce(sum(v.processing), 0)::bigint,
         coalesce(sum(v.due_now), 0)::bigint, min(v.oldest_due)
    from private.visible_pair_counts(null, for_client) v
$$;

create or replace function private.visible_counts_by_admin(since timestamptz, for_client uuid)
returns table (user_id uuid, client_id uuid, depth bigint, queued bigint, processing bigint, oldest_due timestamptz, sent bigint, failed bigint)
language sql stable security definer
set search_path = ''
as $$
  select v.user_id, v.client_id, v.depth, v.queued, v.processing, v.oldest_due, v.sent, v.failed
    from private.visible_pair_counts(since, for_client) v
$$;
