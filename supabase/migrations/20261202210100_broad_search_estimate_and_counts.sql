-- The broad term 'Lead 12' (3,707 of client 0's 83,334 leads, 14,828 of its 333,336 items) at 1,000,000 items, timed
-- per statement (auto_explain, nested) and per function (clock_timestamp around each call, 10 runs, direct, load 2-3):
-- * The manager's first page, 14.1 ms: the walk 9.7 (40,000 of private.queue_list_keys' entries, index-only), a proof
--   2.4 and two EXPLAINs 1.8 that should not have run, the rows 1.0. queue_list_search_ids asked pg_trgm's estimate
--   as the caller, whose read policy on leads the planner counts as a filter: 4 leads for 'Lead 12' against 3,343 as
--   the owner. Under the lookup's 500, so search_lead_ids ran, estimated again as the owner (3,343), proved the term
--   broader by its name-ordered scan (501 rows), and the walk ran after all. The estimate is now the owner's
--   everywhere (for a member of the client only: it is a count of the client's leads), so that detour is gone.
-- * Counts, manager, 20.1 ms: finding the leads 4.9 (EXPLAIN 0.9, the trigram bitmap and its recheck 4.0), the scope
--   0.7, the lookup 13-16: 3,154 descents into queue_lead_list_idx (9,773 buffers, 14,828 entries) then a sort by
--   status. A descent costs 2.5-4 us whichever index it enters (3,707 ids into leads' primary key alone: 9.9 ms; into
--   private.queue_list_keys_lead_idx, 1,684 descents: 11.1 ms), and counting its 14,828 rows by a filter per status
--   instead of a sort saved nothing measurable, so the lookup stays as it is (serial, as below).
-- * Counts, admin, 16.9 ms: finding the leads 5.5, the walk of their 19,608 entries joined to the queue by key for
--   the 869 hits, 13.0 of it in a parallel plan (a worker's start-up on 2 shared cores): 7.5 serial.
-- * What stays for the manager's counts: no pass over fewer entries exists without something a send writes. A walk of
--   the client's keys reads 333,336 entries (40,000 took 7.3 ms: about 60 ms), and a narrower index per lead costs a
--   descent all the same; a per-lead status count read in the leads' own bitmap scan (free there) would be written on
--   every claim and settle, which is the processor's to weigh.
-- Old and new functions swapped on one loaded fixture (medians of 25, direct, load 2): the manager's page 13.6 -> 10.6
-- ms, the admin's 5.4 -> 2.4, the admin's counts 18.0 -> 13.1, the manager's counts 19.2 -> 19.1.
-- Same rows, order, counts and "N+" as before. No index, no table, nothing a send writes.

create or replace function private.lead_estimate(for_client uuid, term text) returns numeric
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  plan jsonb;
begin
  if for_client not in (select private.member_client_ids()) then
    return 0;
  end if;
  execute format('explain (format json) select 1 from public.leads l where l.client_id = %L and %s like %L', for_client,
                 case when m.by_phone then 'l.phone' else 'l.search_key' end,
                 case when m.by_phone then m.pattern else private.search_like(private.search_key(term)) end) into plan;
  return (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
end
$$;

-- queue_list_search_counts of 20261202180200, serial.
create or replace function private.queue_list_search_counts(for_client uuid, leads uuid[], needle text, by_phone boolean, walk_factor integer default 8)
returns table (status public.queue_item_status, hits bigint, seen bigint)
language plpgsql stable security definer
set search_path = ''
set max_parallel_workers_per_gather = 0
as $$
declare
  s record := private.list_scope(for_client);
begin
  if not s.everyone and cardinality(s.owners) = 0 then
    return;
  end if;
  if leads is not null and not s.everyone and cardinality(s.owners) = 1
     and (select coalesce(sum(c.items), 0) from public.queue_status_counts c where c.client_id = for_client and c.user_id = s.owners[1])
         <= walk_factor::bigint * cardinality(leads) then
    return query execute format(
      'select q.status, count(*), count(*) from private.queue_list_keys k join public.whatsapp_message_queue q on q.id = k.id
        where k.client_id = $1 and k.user_id = $2 and strpos(k.%s, $3) > 0 group by q.status',
      case when by_phone then 'lead_phone' else 'lead_name' end)
      using for_client, s.owners[1], needle;
    return;
  end if;
  if leads is not null then
    return query execute format(
      'select q.status, count(*), count(*) from public.whatsapp_message_queue q
        where q.lead_id = any ((select $2)::uuid[]) and q.client_id = $1 %s group by q.status',
      case when s.everyone then '' else 'and q.user_id = any ($3)' end)
      using for_client, leads, s.owners;
    return;
  end if;
  return query execute format(
    'select q.status, count(*) filter (where strpos(k.%s, $4) > 0), count(*)
       from (select k.id, k.lead_name, k.lead_phone from unnest(case when $5 then array[null::uuid] else $3 end) o(owner_id)
               cross join lateral (select k.id, k.created_at, k.lead_name, k.lead_phone from private.queue_list_keys k
                                    where k.client_id = $1 and ($5 or k.user_id = o.owner_id)
                                    order by k.created_at desc, k.id desc limit 1000) k
              order by k.created_at desc, k.id desc limit 1000) k
       join public.whatsapp_message_queue q on q.id = k.id
      group by q.status', case when by_phone then 'lead_phone' else 'lead_name' end)
    using for_client, leads, s.owners, needle, s.everyone;
end
$$;

-- list_scope of 20261202180200; a caller who sees the whole client needs no owners (every use is under `not everyone`).
create or replace function private.list_scope(for_client uuid, out everyone boolean, out owners uuid[])
language plpgsql stable
set search_path = ''
as $$
begin
  everyone := (select auth.role()) = 'service_role' or for_client in (select private.manager_client_ids());
  owners := case when everyone then '{}'::uuid[] else
              array(select o.owner_id
                      from unnest(array[(select auth.uid())] || array(select d.user_id from private.departed_owners() d where d.client_id = for_client)) o(owner_id)
                     where o.owner_id is not null and private.pair_visible(o.owner_id, for_client)) end;
end
$$;
