-- The counts of a walked search (over 5,000 matching leads) at 1,000,000 items took 2.2-3.2 s: each status's newest
-- 201 items were read through the list's index with the status as a filter, because enum equality is not leakproof and
-- so never becomes an index condition under RLS; a rare status walked the caller's whole list. The counts now look at
-- the caller's newest 1,000 items (any status, one keyset walk) and count the matches per status; a status is capped
-- ("N+") when the caller has more items of it than the walk saw (the kept counters, read under the same RLS).
create or replace function public.queue_list_counts(for_client uuid, search text default null)
returns table (status public.queue_item_status, items bigint, capped boolean)
language plpgsql stable
set search_path = ''
as $$
declare
  term text := nullif(btrim(search), '');
  by_phone boolean;
  needle text;
  leads uuid[];
  inner_sql text;
  owners uuid[];
begin
  if char_length(term) > 100 then
    raise exception 'search is at most 100 characters' using errcode = '22023', detail = 'invalid_search';
  end if;
  if term is null then
    return query
      select s.status, coalesce(sum(c.items), 0)::bigint, false
        from unnest(enum_range(null::public.queue_item_status)) s(status)
        left join public.queue_status_counts c on c.client_id = for_client and c.status = s.status
       group by s.status order by s.status;
    return;
  end if;
  select n.by_phone, n.needle into by_phone, needle from private.lead_needle(term) n;
  leads := private.matching_lead_ids(for_client, term);
  if leads is not null then
    return query execute
      'select s.status, coalesce(c.n, 0), false
         from unnest(enum_range(null::public.queue_item_status)) s(status)
         left join (select q.status, count(*) as n from public.whatsapp_message_queue q
                     where q.client_id = $1 and q.lead_id = any ($2) group by q.status) c on c.status = s.status
        order by s.status'
      using for_client, leads;
    return;
  end if;
  select x.inner_sql, x.owners into inner_sql, owners from private.queue_list_ranges(for_client, 'q.client_id = $1', '1000') x;
  return query execute format(
    'select s.status, coalesce(w.hits, 0), coalesce(k.items, 0) > coalesce(w.seen, 0)
       from unnest(enum_range(null::public.queue_item_status)) s(status)
       left join (select p.status, count(*) filter (where %s) as hits, count(*) as seen from (%s) p group by p.status) w
              on w.status = s.status
       left join (select c.status, sum(c.items) as items from public.queue_status_counts c where c.client_id = $1 group by c.status) k
              on k.status = s.status
      order by s.status', private.lead_contains_sql('p', '$2', '$4'), replace(inner_sql, '$7', '$3'))
    using for_client, needle, owners, by_phone;
end
$$;
