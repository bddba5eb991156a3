-- An admin's counts of a search (one owner in scope) walk their own private.queue_list_keys entries before the leads are
-- found. bench/dashboard-data.sql stores the leads in a random order with respect to their names, as imported leads
-- are: the 3,707 leads of 'Lead 12' (client 0, 1,000,000 items) lie on 2,671 of client 0's 5,229 heap pages of `leads`.
-- Timed per function as admin0 (clock_timestamp around each call, 25 runs, direct, load 1.6-1.9): private.search_lead_ids
-- 11.4 ms p50 (its EXPLAIN estimate 0.5; the trigram bitmap alone 6-7, then its recheck on those pages), then the walk
-- of admin0's 19,608 entries 7.2-7.6 (private.queue_list_search_counts walks when the owner's items are few beside the
-- leads), of a 19.4 ms call. The walk and the lookup answer the same; only a term over 5,000 leads (null, "broad")
-- answers from the newest 1,000 entries with "N+". So the walk starts before the leads are found when the term is
-- proved not broad without reading them: the trigram bitmap of the client's leads (search_lead_ids' index condition, a
-- superset of its matches) names at most 5,000. Its size is read from EXPLAIN ANALYZE of a LIMIT 1 scan: the bitmap is
-- built whole from the index, and the heap is read only to the first row (6.7 ms p50 for 'Lead 12', 3,707 TIDs, 201
-- buffers). The planner's estimate goes first (0.5 ms): a term it takes for broad (over 5,000) or for clearly narrow
-- (under a sixteenth of the owner's items; the lookup is cheaper under an eighth, as before) never pays for the bitmap,
-- nor does an owner with over 40,000 items (a walk of ~15 ms).
-- The old and new queue_list_counts side by side on one loaded fixture (bench/list-counts-profile.ts 1000000 100
-- <dataDir>, then 40 rounds alternating the two in one session, each answer compared, load 1.1-1.7): admin0 'Lead 12'
-- 20.1 / 21.6 ms p50 / p95 -> 14.8 / 16.9, 'Lead 1' (broad, walked) 9.7 -> 9.8, 'Lead 12345', 'דנה 1345' and a phone
-- +0.1-0.3 ms (the counters and the estimate, asked once more); the manager's unchanged (20.4 -> 20.9, 7.3 -> 7.2, ...).
-- The list bench with it (LQ_BENCH_SKIP_OUTLOOK=1 LQ_BENCH_LIST_RUNS=100 npm run bench -- --only=list, 17:14 UTC, load
-- 1.6-1.8): admin0's 'Lead 12' counts 17.5 / 18.7 ms direct, 17.7 / 26.9 through the gateway (20.5 / 23.0 and 32.1 / 37.8
-- in the lead's run before it, load 1.4-1.8): the gateway's extra ~11 ms went with the leads' lookup.
-- Same counts and "N+" in every call; tests/db/queue-list-counts-walk-first.test.ts shows the admin's walk taken without
-- private.search_lead_ids, and a term over 5,000 leads still capped.

-- How many of the client's leads the trigram index names for the term (TIDs of the bitmap, before any recheck), or null
-- when the caller is not a member of the client or the plan read no bitmap.
create or replace function private.lead_bitmap_size(for_client uuid, term text) returns numeric
language plpgsql volatile security definer
set search_path = ''
set enable_seqscan = off
set enable_indexscan = off
set enable_indexonlyscan = off
set max_parallel_workers_per_gather = 0
as $$
declare
  m record := private.lead_match(term);
  digits text := private.search_phone_digits(term);
  plan jsonb;
begin
  if for_client not in (select private.member_client_ids()) then
    return null;
  end if;
  execute format('explain (analyze, timing off, buffers off, summary off, costs off, format json) select 1 from public.leads l where l.client_id = %L and %s like %L limit 1',
                 for_client, case when m.by_phone then 'l.phone' else 'l.search_key' end,
                 private.search_like(right(coalesce(digits, private.search_key(term)), 6))) into plan;
  -- Under a BitmapAnd each scan's bitmap holds the result; under a BitmapOr one scan's does not.
  return (select case when bool_or(n ->> 'Node Type' = 'BitmapOr') then null
                      else min((n ->> 'Actual Rows')::numeric) filter (where n ->> 'Node Type' = 'Bitmap Index Scan') end
            from jsonb_path_query(plan, 'strict $.**') n where jsonb_typeof(n) = 'object');
end
$$;
revoke all on function private.lead_bitmap_size(uuid, text) from public, anon;
grant execute on function private.lead_bitmap_size(uuid, text) to authenticated, service_role;

-- The owner whose keys an admin's counts walk before finding the leads, or null (find the leads as before).
create or replace function private.counts_walk_owner(for_client uuid, term text, bound integer default 40000, walk_factor integer default 8)
returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  s record := private.list_scope(for_client);
  items bigint;
  named numeric;
begin
  if s.everyone or cardinality(s.owners) <> 1 then
    return null;
  end if;
  items := (select coalesce(sum(c.items), 0) from public.queue_status_counts c where c.client_id = for_client and c.user_id = s.owners[1]);
  if items > bound then
    return null;
  end if;
  -- The planner's estimate first (0.5 ms): a term it takes for broad, or for narrow by over twice the margin (the
  -- estimate errs: 840 for the 381 leads of 'Lead 123', 3,362 for the 3,707 of 'Lead 12'), is not worth the bitmap.
  named := private.lead_estimate(for_client, term);
  if named > 5000 or items > 2 * walk_factor::bigint * named then
    return null;
  end if;
  named := private.lead_bitmap_size(for_client, term);
  if named is null or named > 5000 or items > walk_factor::bigint * named then
    return null;
  end if;
  return s.owners[1];
end
$$;

-- The walk branch of private.queue_list_search_counts (20261202210100) for one owner, serial.
create or replace function private.owner_keys_counts(for_client uuid, owner uuid, needle text, by_phone boolean)
returns table (status public.queue_item_status, hits bigint)
language plpgsql stable security definer
set search_path = ''
set max_parallel_workers_per_gather = 0
as $$
begin
  return query execute format(
    'select q.status, count(*) from private.queue_list_keys k join public.whatsapp_message_queue q on q.id = k.id
      where k.client_id = $1 and k.user_id = $2 and strpos(k.%s, $3) > 0 group by q.status',
    case when by_phone then 'lead_phone' else 'lead_name' end)
    using for_client, owner, needle;
end
$$;

create or replace function public.queue_list_counts(for_client uuid, search text default null)
returns table (status public.queue_item_status, items bigint, capped boolean)
language plpgsql stable
set search_path = ''
as $$
declare
  term text := nullif(btrim(search), '');
  n record;
  leads uuid[];
  owner uuid;
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
  n := private.lead_needle(term);
  owner := private.counts_walk_owner(for_client, term);
  if owner is not null then
    -- Not broad (proved above), so never capped, as a looked-up term.
    return query
      select s.status, coalesce(w.hits, 0), false
        from unnest(enum_range(null::public.queue_item_status)) s(status)
        left join private.owner_keys_counts(for_client, owner, n.needle, n.by_phone) w on w.status = s.status
       order by s.status;
    return;
  end if;
  leads := private.matching_lead_ids(for_client, term);
  -- A walked term's count is capped ("N+") when the caller has more items of the status (the kept counters, read
  -- under RLS) than the newest 1,000 held.
  return query
    select s.status, coalesce(w.hits, 0), leads is null and coalesce(k.items, 0) > coalesce(w.seen, 0)
      from unnest(enum_range(null::public.queue_item_status)) s(status)
      left join private.queue_list_search_counts(for_client, leads, n.needle, n.by_phone) w on w.status = s.status
      left join (select c.status, sum(c.items) as items from public.queue_status_counts c where c.client_id = for_client group by c.status) k
             on k.status = s.status
     order by s.status;
end
$$;
