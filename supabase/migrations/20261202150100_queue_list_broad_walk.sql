-- A broad search (more than 5,000 matching leads, see 20261202110200) at 1,000,000 items, from the plans at that size:
-- the page walked the caller's keyset range and called private.lead_matches, a PL/pgSQL function, for every row it
-- passed (about 0.1 ms each: a page of 'Lead 12' 124-176 ms, its counts as much). The row's lead is now tested by a
-- correlated lookup in the statement itself, as `strpos(..) > 0` rather than LIKE: the planner reads LIKE '%lead 12%'
-- as rare and would read the whole range and sort it, while strpos(..) > 0 is estimated at a third of the rows, so a
-- page keeps walking the index in order from the cursor and stops when it is full (deep pages cost the same as the
-- first). The needle is the lowercased term or the phone's digits; strpos knows no wildcards, so nothing is escaped.

-- The SQL that tests whether the lead of queue row `item` contains the needle (its lowercased name, or its phone when
-- the by_phone parameter is true); the needle and by_phone are the statement's parameters named.
create function private.lead_contains_sql(item text, needle text, by_phone text) returns text
language sql immutable
set search_path = ''
as $$
  select format('strpos((select case when %s then l.phone else lower(l.name) end from public.leads l where l.id = %s.lead_id), %s) > 0',
                by_phone, item, needle)
$$;
revoke all on function private.lead_contains_sql(text, text, text) from public, anon;
grant execute on function private.lead_contains_sql(text, text, text) to authenticated, service_role;

-- What a search looks for: the phone's digits (by_phone) or the lowercased term.
create function private.lead_needle(term text, out by_phone boolean, out needle text)
language plpgsql immutable
set search_path = ''
as $$
declare
  digits text := private.search_phone_digits(term);
begin
  perform private.lead_match(term);
  by_phone := digits is not null;
  needle := coalesce(digits, lower(term));
end
$$;
revoke all on function private.lead_needle(text) from public, anon;
grant execute on function private.lead_needle(text) to authenticated, service_role;

-- The search's candidates at 1,000,000 items: 'Lead 12' (3,707 of client 0's 83,000 leads) spent 75 of 89 ms rechecking
-- the 11,111 leads of all three clients the trigram bitmap named, then 26 ms reading the 3,707 again for the exact match.
-- The trigram indexes now lead with the client (btree_gin), so only the client's leads are rechecked, and the exact match
-- is tested in the same scan. Still under the owner's rights (the leads' policy kept LIKE off the index, 20261202110100),
-- still only for a client the caller belongs to: the leads' read policy is that membership.
create extension if not exists btree_gin with schema extensions;
create index leads_client_name_key_idx on public.leads
  using gin (client_id, translate(lower(name), 'אבגדהוזחטיכךלמםנןסעפףצץקרשת', 'abgdhvzxtykklmmnnsepfccqrwj') extensions.gin_trgm_ops);
create index leads_client_phone_search_idx on public.leads using gin (client_id, phone extensions.gin_trgm_ops);
drop index public.leads_name_key_idx;
drop index public.leads_phone_search_idx;

-- Ids of the client's leads whose key (or phone) is LIKE `key_pattern` and whose lowercased name (or phone) is LIKE
-- `pattern`, at most `cap` + 1 of them; empty unless the caller belongs to the client.
create function private.lead_search_matches(for_client uuid, key_pattern text, pattern text, by_phone boolean, cap integer) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
declare
  ids uuid[];
begin
  if for_client not in (select private.member_client_ids()) then
    return '{}';
  end if;
  if by_phone then
    select array(select l.id from public.leads l where l.client_id = for_client and l.phone like pattern limit cap + 1) into ids;
  else
    select array(select l.id from public.leads l
                   where l.client_id = for_client
                     and translate(lower(l.name), 'אבגדהוזחטיכךלמםנןסעפףצץקרשת', 'abgdhvzxtykklmmnnsepfccqrwj') like key_pattern
                     and lower(l.name) like pattern
                   limit cap + 1) into ids;
  end if;
  return ids;
end
$$;
revoke all on function private.lead_search_matches(uuid, text, text, boolean, integer) from public, anon;
grant execute on function private.lead_search_matches(uuid, text, text, boolean, integer) to authenticated, service_role;

-- The ids of the client's leads the caller may read that match the term, or null when more than 5,000 do (broad).
-- 5,000 stays: the walk's cost is how far down the list the matches sit, and at 1M items 'Lead 12''s first match is
-- 40,000 rows down (the walk took 306 ms for its first page, the lookup 60).
create or replace function private.matching_lead_ids(for_client uuid, term text) returns uuid[]
language plpgsql stable
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  ids uuid[];
begin
  ids := private.lead_search_matches(for_client, private.search_like(private.search_key(term)), m.pattern, m.by_phone, 5000);
  return case when cardinality(ids) > 5000 then null else ids end;
end
$$;
drop function private.lead_search_candidates(uuid, text, boolean, integer);

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
  needle text;
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
    select n.by_phone, n.needle into by_phone, needle from private.lead_needle(term) n;
    leads := private.matching_lead_ids(for_client, term);
    if leads is null then filter := filter || ' and ' || private.lead_contains_sql('q', '$8', '$9'); end if;
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
    using for_client, status_filter, leads, after_created_at, after_id, page_size, owners, needle, by_phone;
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
  -- Broad: the matches among the newest 200 items of each status; capped when there were more items to look at.
  select x.inner_sql, x.owners into inner_sql, owners
    from private.queue_list_ranges(for_client, 'q.client_id = $1 and q.status = s.status', '201') x;
  return query execute format(
    'select s.status, m.hits, m.seen > 200
       from unnest(enum_range(null::public.queue_item_status)) s(status)
       cross join lateral (select count(*) filter (where x.hit and x.n <= 200) as hits, count(*) as seen
                             from (select row_number() over () as n, %s as hit from (%s) p) x) m
      order by s.status', private.lead_contains_sql('p', '$2', '$4'), replace(inner_sql, '$7', '$3'))
    using for_client, needle, owners, by_phone;
end
$$;

drop function private.lead_matches(uuid, boolean, text);
