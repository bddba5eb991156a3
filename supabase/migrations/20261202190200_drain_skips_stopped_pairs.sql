-- The drain without a projection for a pair that is not running (paused, or no settings the caller can read): its
-- waiting items say admin_paused and its in-flight ones go now (private.pair_outlook's first two reasons), which the
-- kept counters answer. A manager's drain at 1M rows projected 8 paused pairs of 17, each a drain_ids and a
-- pair_outlook call for nothing; the running pairs are projected as before.

create or replace function public.queue_drain(for_client uuid default null, at timestamptz default now(),
  out waiting integer, out drain_at timestamptz, out paused boolean)
language sql stable
set search_path = ''
as $$
  select coalesce(sum(p.n), 0)::integer, max(o.last), coalesce(bool_or(o.paused), false)
    from (select c.user_id, c.client_id, sum(c.items)::integer as n,
                 coalesce(sum(c.items) filter (where c.status = 'pending'), 0) > 0 as pending,
                 coalesce(sum(c.items) filter (where c.status <> 'pending'), 0) > 0 as flying
            from public.queue_status_counts c
           where c.status in ('pending', 'queued', 'processing') and (for_client is null or c.client_id = for_client)
           group by c.user_id, c.client_id
          having sum(c.items) > 0) p
    left join public.user_queue_settings s on s.user_id = p.user_id and s.client_id = p.client_id
    cross join lateral (select max(x.last) as last, bool_or(x.paused) as paused
                          from (select y.expected_send_at as last, y.waiting_for = 'admin_paused' as paused
                                  from private.pair_outlook(p.user_id, p.client_id,
                                         private.drain_ids(p.user_id, p.client_id, private.next_minute(coalesce(at, now()))),
                                         coalesce(at, now())) y
                                 where s.processing_state = 'running'
                                union all
                                select case when p.flying then coalesce(at, now()) end, p.pending
                                 where s.processing_state is distinct from 'running') x) o
$$;
