-- pair_ranks without a pass over the pair's queue (issue 11 item 1 at 1M rows). The due items ahead of each row (the
-- wanted and future items up to the last wanted one) were counted between consecutive rows, which covers every index
-- entry from the pair's first item to the last wanted one: the newest page's items are at the end of their pairs,
-- ~3,900 entries a running pair (0.8-0.9 ms of index-only counting, 22 % of the manager's page). Most of them are one
-- gap: the due block of the pair's busiest priority (3,124 of 3,923 in the bench's pair 24, between its last 'high'
-- row and its first 'normal' one).
-- * Each gap is counted up to a cap of 500 entries. When one gap alone is over it, it is the rest: the pair's pending
--   count (queue_status_counts, kept by the queue's statement triggers and read in the same statement, so in the same
--   snapshot) less the items behind the last row (counted, under the cap too), the future rows and the other gaps.
--   Pair 24 reads ~1,300 entries instead of 3,900; a drain's last row is the pair's last item (nothing behind it).
-- * Two gaps over the cap, more than 500 items behind the last row, or a rest that does not exceed the cap (a kept
--   count out of step) and every gap is counted in full, as before.
-- * The counts are fenced (offset 0): flattened, each reference to a count ran it again (7 times each).
-- * Called by private.pair_outlook alone, a definer that checks private.pair_visible first: no caller's grant and no
--   second check (27 checks a manager's page, 9 of them here).
-- Not a kept rank: a per-item rank would be rewritten by every claim of the pair (the processor's hot path).

create or replace function private.pair_ranks(pair_user uuid, pair_client uuid, wanted uuid[], first_tick timestamptz,
  last_priority public.queue_priority, last_scheduled timestamptz, last_id uuid)
returns table (r_id uuid, r_elig timestamptz, r_fut boolean, r_want boolean, r_last boolean, r_due_ahead bigint)
language plpgsql stable security definer
set search_path = ''
-- A count per item is cheap only on the index: a queue just filled (statistics still saying it is small) planned
-- sequential scans, one per item.
set enable_seqscan = off
set plan_cache_mode = force_generic_plan
as $$
declare
  cap constant integer := 500;
  r record;
  ok boolean := false;
begin
  -- Each gap between consecutive rows counted up to the cap; one gap over it is the rest of the pair's kept pending
  -- count once the items behind the last row (under the cap too) are taken off. Otherwise every gap is counted in full.
  for r in
    select y.id, y.elig, y.fut, y.want, y.ok,
           (sum(y.ahead) over (order by y.priority desc, y.scheduled_for, y.id rows unbounded preceding))::bigint as due_ahead
      from (select v.id, v.priority, v.scheduled_for, v.elig, v.fut, v.want,
                   v.n_big = 0 or (v.n_big = 1 and v.tail <= cap and v.due_before_last - (v.sum_capped - v.big_capped) > v.big_prev_due + cap) as ok,
                   case when v.big then v.due_before_last - (v.sum_capped - v.capped) else v.capped end as ahead
              from (select u.*, count(*) filter (where u.big) over () as n_big, sum(u.capped) over () as sum_capped,
                           sum(u.capped) filter (where u.big) over () as big_capped, max(u.prev_due) filter (where u.big) over () as big_prev_due,
                           t.pending - 1 - t.tail - count(*) filter (where u.fut and u.id <> last_id) over () as due_before_last, t.tail
                      from (select x.*, x.prev_due + x.c1 + x.c2 + x.c3 as capped, greatest(x.c1, x.c2, x.c3) > cap as big
                              from (select z2.*,
                                           (select count(*) from (select from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = z2.priority and (q.scheduled_for, q.id) < (z2.scheduled_for, z2.id) and (q.scheduled_for, q.id) > (z2.lo_scheduled, z2.lo_id) limit cap + 1) c) as c1,
                                           case when z2.a_priority is null then
                       (select count(*) from (select from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority > z2.priority limit cap + 1) c)
                     when z2.a_priority > z2.priority then
                       (select count(*) from (select from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority > z2.priority and q.priority < z2.a_priority limit cap + 1) c)
                     else 0 end as c2,
                                           case when z2.a_priority > z2.priority then
                       (select count(*) from (select from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = z2.a_priority and (q.scheduled_for, q.id) > (z2.a_scheduled, z2.a_id) limit cap + 1) c)
                     else 0 end as c3
                                      from (select z.*,
                                                   case when z.a_priority = z.priority then z.a_scheduled else '-infinity' end as lo_scheduled,
                                                   case when z.a_priority = z.priority then z.a_id else '00000000-0000-0000-0000-000000000000' end as lo_id
                      from (select p.id, p.priority, p.scheduled_for, p.elig, p.elig > first_tick as fut, p.want,
                           coalesce(lag(p.elig) over w <= first_tick, false)::integer as prev_due,
                           lag(p.priority) over w as a_priority, lag(p.scheduled_for) over w as a_scheduled, lag(p.id) over w as a_id
                      from (select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (wanted) as want
                              from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                               and q.priority = any (enum_range(last_priority, null)) and q.scheduled_for > first_tick
                               and (q.priority > last_priority or (q.scheduled_for, q.id) <= (last_scheduled, last_id))
                            union all
                            select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (wanted)
                              from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                               and q.next_attempt_at > first_tick and q.scheduled_for <= first_tick and q.priority >= last_priority
                               and (q.priority > last_priority or (q.scheduled_for, q.id) <= (last_scheduled, last_id))
                            union all
                            select q.id, q.priority, q.scheduled_for, e.elig, true
                              from unnest(wanted) w (id)
                              join public.whatsapp_message_queue q on q.id = w.id,
                                   lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.status = 'pending' and q.user_id = pair_user and q.client_id = pair_client
                               and e.elig <= first_tick) p
                    window w as (order by p.priority desc, p.scheduled_for, p.id)) z) z2
                              -- A fence: each count once, not once for every reference to it.
                              offset 0) x) u
                     cross join (select coalesce((select c.items from public.queue_status_counts c
                                                   where c.client_id = pair_client and c.user_id = pair_user and c.status = 'pending'), 0) as pending,
                                        (select count(*) from (select from public.whatsapp_message_queue q
                                          where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = last_priority
                                            and (q.scheduled_for, q.id) > (last_scheduled, last_id) limit cap + 1) c)
                                        + (select count(*) from (select from public.whatsapp_message_queue q
                                          where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority < last_priority
                                           limit cap + 1) c) as tail offset 0) t) v) y
     order by y.priority desc, y.scheduled_for, y.id
  loop
    exit when not r.ok;
    ok := true;
    r_id := r.id;
    r_elig := r.elig;
    r_fut := r.fut;
    r_want := r.want;
    r_last := r.id = last_id;
    r_due_ahead := r.due_ahead;
    return next;
  end loop;
  if ok then
    return;
  end if;
  return query
    select y.id, y.elig, y.fut, y.want, y.id = last_id,
           (sum(y.ahead) over (order by y.priority desc, y.scheduled_for, y.id rows unbounded preceding))::bigint
      from (select x.id, x.priority, x.scheduled_for, x.elig, x.fut, x.want,
                   x.prev_due
                   + (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = x.priority and (q.scheduled_for, q.id) < (x.scheduled_for, x.id) and (q.scheduled_for, q.id) > (x.lo_scheduled, x.lo_id))
                   + case when x.a_priority is null then
                       (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority > x.priority)
                     when x.a_priority > x.priority then
                       (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority > x.priority and q.priority < x.a_priority)
                     else 0 end
                   + case when x.a_priority > x.priority then
                       (select count(*) from public.whatsapp_message_queue q
                   where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending' and q.priority = x.a_priority and (q.scheduled_for, q.id) > (x.a_scheduled, x.a_id))
                     else 0 end as ahead
              from (select z.*,
                           case when z.a_priority = z.priority then z.a_scheduled else '-infinity' end as lo_scheduled,
                           case when z.a_priority = z.priority then z.a_id else '00000000-0000-0000-0000-000000000000' end as lo_id
                      from (select p.id, p.priority, p.scheduled_for, p.elig, p.elig > first_tick as fut, p.want,
                           coalesce(lag(p.elig) over w <= first_tick, false)::integer as prev_due,
                           lag(p.priority) over w as a_priority, lag(p.scheduled_for) over w as a_scheduled, lag(p.id) over w as a_id
                      from (select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (wanted) as want
                              from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                               and q.priority = any (enum_range(last_priority, null)) and q.scheduled_for > first_tick
                               and (q.priority > last_priority or (q.scheduled_for, q.id) <= (last_scheduled, last_id))
                            union all
                            select q.id, q.priority, q.scheduled_for, e.elig, q.id = any (wanted)
                              from public.whatsapp_message_queue q, lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.user_id = pair_user and q.client_id = pair_client and q.status = 'pending'
                               and q.next_attempt_at > first_tick and q.scheduled_for <= first_tick and q.priority >= last_priority
                               and (q.priority > last_priority or (q.scheduled_for, q.id) <= (last_scheduled, last_id))
                            union all
                            select q.id, q.priority, q.scheduled_for, e.elig, true
                              from unnest(wanted) w (id)
                              join public.whatsapp_message_queue q on q.id = w.id,
                                   lateral (select greatest(q.scheduled_for, coalesce(q.next_attempt_at, q.scheduled_for)) as elig) e
                             where q.status = 'pending' and q.user_id = pair_user and q.client_id = pair_client
                               and e.elig <= first_tick) p
                    window w as (order by p.priority desc, p.scheduled_for, p.id)) z) x) y
     order by y.priority desc, y.scheduled_for, y.id;
end
$$;
revoke all on function private.pair_ranks(uuid, uuid, uuid[], timestamptz, public.queue_priority, timestamptz, uuid)
  from public, anon, authenticated, service_role;
