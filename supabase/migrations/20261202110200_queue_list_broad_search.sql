-- queue_list_page and queue_list_counts with a search, from the plans at 1,000,000 items (see 20261202110100):
-- * Up to 5,000 matching leads: the page takes the matches' items from queue_lead_list_idx (index only), keeps the
--   newest page_size after the cursor and reads only those rows. The planner used to walk the list's index in order,
--   testing each row against the ids, and the matches of 'Lead 12' were 40,000 rows down (100 ms); deep pages cost
--   the same as the first. The counts are exact, in one pass over the same index.
-- * More than 5,000 (broad): the page walks the caller's keyset ranges and keeps items whose lead matches; the counts
--   look at the newest 200 items per status the caller may read and say so ("N+", as the capped counts already did).

-- Whether the lead (as the caller may read it) matches a search's pattern. A function, not a join or a subquery, so
-- the planner takes it for a common condition (a third of rows) and walks the list's index in order until the page is
-- full; it estimated LIKE '%lead 12%' as rare, read the client's whole queue and sorted it (7 s at 1M items).
create function private.lead_matches(lead uuid, by_phone boolean, pattern text) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return coalesce((select case when by_phone then l.phone else lower(l.name) end from public.leads l where l.id = lead) like pattern, false);
end
$$;
revoke all on function private.lead_matches(uuid, boolean, text) from public, anon;
grant execute on function private.lead_matches(uuid, boolean, text) to authenticated, service_role;

-- The caller's rows of the queue in list order, as SQL over `filter` (which names the queue q): one client-wide range
-- for a manager, else one range per owner (the admin and the departed admins they took over), $7 being the owners.
create function private.queue_list_ranges(for_client uuid, filter text, limit_param text, out inner_sql text, out owners uuid[])
language plpgsql stable
set search_path = ''
as $$
begin
  if for_client in (select private.manager_client_ids()) then
    inner_sql := format('select q.* from public.whatsapp_message_queue q where %s order by q.created_at desc, q.id desc limit %s', filter, limit_param);
  else
    owners := array[(select auth.uid())] || array(select d.user_id from private.departed_owners() d where d.client_id = for_client);
    inner_sql := format(
      'select q.* from unnest($7::uuid[]) o(owner_id)
         cross join lateral (select q.* from public.whatsapp_message_queue q
                              where %s and q.user_id = o.owner_id order by q.created_at desc, q.id desc limit %s) q
        order by q.created_at desc, q.id desc limit %2$s', filter, limit_param);
  end if;
end
$$;
revoke all on function private.queue_list_ranges(uuid, text, text) from public, anon;
grant execute on function private.queue_list_ranges(uuid, text, text) to authenticated, service_role;

create or replace function public.queue_list_page(
  for_client uuid,
  status_filter public.queue_item_status default null,
  search text default null,
  after_created_at timestamptz default null,
  after_id uuid default null,
  page_size integer default 50
)
returns table (
  id uuid, lead_id uuid, user_id uuid, status public.queue_item_status, priority public.queue_priority,
  scheduled_for timestamptz, next_attempt_at timestamptz, agent_conversation_id text, processed_at timestamptz,
  attempts integer, max_attempts integer, last_error text, error_code text, created_at timestamptz, updated_at timestamptz,
  lead_name text, lead_phone text
)
language plpgsql stable
set search_path = ''
as $$
declare
  term text := nullif(btrim(search), '');
  by_phone boolean;
  pattern text;
  leads uuid[];
  filter text := 'q.client_id = $1';
  inner_sql text;
  owners uuid[];
begin
  if page_size is null or page_size not between 1 and 201 then
    raise exception 'page_size must be between 1 and 201' using errcode = '22023', detail = 'invalid_page_size';
  end if;
  if (after_created_at is null) <> (after_id is null) then
    raise exception 'after_created_at and after_id go together' using errcode = '22023', detail = 'invalid_cursor';
  end if;
  if char_length(term) > 100 then
    raise exception 'search is at most 100 characters' using errcode = '22023', detail = 'invalid_search';
  end if;
  if status_filter is not null then filter := filter || ' and q.status = $2'; end if;
  if term is not null then
    select m.by_phone, m.pattern into by_phone, pattern from private.lead_match(term) m;
    leads := private.matching_lead_ids(for_client, term);
    if leads is null then filter := filter || ' and private.lead_matches(q.lead_id, $9, $8)'; end if;
  end if;
  if after_id is not null then filter := filter || ' and (q.created_at, q.id) < ($4, $5)'; end if;
  if leads is not null then
    -- RLS picks the caller's rows (the same as the ranges below); the CTE keeps the planner off the ordered walk.
    inner_sql := format(
      'select q.* from public.whatsapp_message_queue q
        where q.id in (select h.id from (with hits as materialized (
                         select q.id, q.created_at from public.whatsapp_message_queue q where %s and q.lead_id = any ($3))
                       select hits.id, hits.created_at from hits order by hits.created_at desc, hits.id desc limit $6) h)', filter);
  else
    select x.inner_sql, x.owners into inner_sql, owners from private.queue_list_ranges(for_client, filter, '$6') x;
  end if;

  return query execute format(
    'select p.id, p.lead_id, p.user_id, p.status, p.priority, p.scheduled_for, p.next_attempt_at, p.agent_conversation_id,
            p.processed_at, p.attempts, p.max_attempts, p.last_error, p.error_code, p.created_at, p.updated_at, l.name, l.phone
       from (%s) p left join public.leads l on l.id = p.lead_id
      order by p.created_at desc, p.id desc', inner_sql)
    using for_client, status_filter, leads, after_created_at, after_id, page_size, owners, pattern, by_phone;
end
$$;

create or replace function public.queue_list_counts(for_client uuid, search text default null)
returns table (status public.queue_item_status, items bigint, capped boolean)
language plpgsql stable
set search_path = ''
as $$
declare
  term text := nullif(btrim(search), '');
  by_phone boolean;
  pattern text;
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
  select m.by_phone, m.pattern into by_phone, pattern from private.lead_match(term) m;
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
  -- Broad: the matches among the newest 200 items of each status; capped when there were more items to look at.
  select x.inner_sql, x.owners into inner_sql, owners from private.queue_list_ranges(for_client, 'q.client_id = $1 and q.status = s.status', '201') x;
  return query execute format(
    'select s.status, m.hits, m.seen > 200
       from unnest(enum_range(null::public.queue_item_status)) s(status)
       cross join lateral (select count(*) filter (where x.hit and x.n <= 200) as hits, count(*) as seen
                             from (select row_number() over () as n,
                                          private.lead_matches(p.lead_id, $4, $2) as hit
                                     from (%s) p) x) m
      order by s.status', replace(inner_sql, '$7', '$3'))
    using for_client, pattern, owners, by_phone;
end
$$;
