-- Search pages and counts at 1,000,000 items, from EXPLAIN (ANALYZE, BUFFERS) at that size (client 0: 83,334 leads,
-- 333,336 items; admin0 19,608 of them):
-- * Which leads match cost 14-40 ms before anything was listed. The trigram recheck computed translate(lower(name))
--   for every candidate (3,707 for 'Lead 12': most of its 14-22 ms); the key is now a stored column of the lead. The
--   trigram bitmap of a term most leads share ('Lead 1': 36,702 candidates) cost 27-44 ms by itself; when pg_trgm's
--   estimate (one EXPLAIN, 0.3 ms) is over the cap, the breadth is proved by a name-ordered index-only scan that stops
--   at cap + 1 matches (5,001 rows, 3 ms), and only a term that turns out narrower is looked up by trigram. Both
--   statements are planned per term (EXECUTE): a cached generic plan scanned every lead of the client.
-- * A page of 'Lead 12' (3,707 leads) probed queue_lead_list_idx once per lead (14,828 items, 9,700 buffers) after
--   planning the 3,707 ids as a constant (13-28 ms). A term the planner expects in more than 500 leads now walks
--   private.queue_list_keys in list order (index-only, the lead's key in the entry: 40,000 entries, 552 buffers, for
--   the manager's first page) for at most 60,000 entries, and falls back to the lookup when those did not fill it.
--   The lookup (and the exact counts) pass the ids as an init plan, never a constant.
-- * A walked term (more than 5,000 leads) tested each row's lead by a leads probe under both policies (8 us a row,
--   16,700 rows down for the manager's first page); it walks the same keys now, without limit.
-- * The walks and lookups run as the owner over the caller's scope: everything of a client they manage, else their own
--   items and their departed admins' (private.pair_visible, the queue's select policy, which depends on the pair
--   alone). The page's rows and the counters are then read as the caller, so RLS still decides what is shown.
-- Results are the same rows in the same order as before, the counts the same, "N+" meaning the same.

alter table public.leads add column search_key text
  generated always as (translate(lower(name), 'אבגדהוזחטיכךלמםנןסעפףצץקרשת', 'abgdhvzxtykklmmnnsepfccqrwj')) stored;
create index leads_client_search_key_idx on public.leads using gin (client_id, search_key extensions.gin_trgm_ops);
drop index public.leads_client_name_key_idx;

-- What the caller may read of a client's queue: all of it (a manager of the client, the service role), else the items
-- of `owners` (their own while a member, and their departed admins').
create function private.list_scope(for_client uuid, out everyone boolean, out owners uuid[])
language sql stable
set search_path = ''
as $$
  select (select auth.role()) = 'service_role' or for_client in (select private.manager_client_ids()),
         array(select o.owner_id
                 from unnest(array[(select auth.uid())] || array(select d.user_id from private.departed_owners() d where d.client_id = for_client)) o(owner_id)
                where o.owner_id is not null and private.pair_visible(o.owner_id, for_client))
$$;
revoke all on function private.list_scope(uuid) from public, anon;
grant execute on function private.list_scope(uuid) to authenticated, service_role;

-- How many of the client's leads the planner expects the term's key to match (pg_trgm's estimate, 3,343 for 'Lead 12'
-- against 3,707, 35,942 for 'Lead 1' against 36,702): it only chooses which exact path runs first. Volatile only
-- because plpgsql refuses EXPLAIN in a stable function; it writes nothing.
create function private.lead_estimate(for_client uuid, term text) returns numeric
language plpgsql volatile
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  plan jsonb;
begin
  execute format('explain (format json) select 1 from public.leads l where l.client_id = %L and %s like %L', for_client,
                 case when m.by_phone then 'l.phone' else 'l.search_key' end,
                 case when m.by_phone then m.pattern else private.search_like(private.search_key(term)) end) into plan;
  return (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
end
$$;
revoke all on function private.lead_estimate(uuid, text) from public, anon;
grant execute on function private.lead_estimate(uuid, text) to authenticated, service_role;

-- Ids of the client's leads whose name (or phone, for a phone term) contains the term, or null when more than `cap`
-- do; empty unless the caller belongs to the client (the leads' read policy). Owner's rights: under the policy LIKE
-- never reaches the trigram index (20261202110100).
create function private.search_lead_ids(for_client uuid, term text, cap integer) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  digits text := private.search_phone_digits(term);
  seen bigint;
  ids uuid[];
begin
  if for_client not in (select private.member_client_ids()) then
    return '{}';
  end if;
  -- Dynamic, so each term is planned with its pattern: a cached generic plan cannot tell 'Lead 1' from 'Lead 12345'.
  if private.lead_estimate(for_client, term) > cap then
    execute format('select count(*) from (select 1 from public.leads l where l.client_id = $1 and %s like $2 order by %s limit $3 + 1) x',
                   case when m.by_phone then 'l.phone' else 'lower(l.name)' end, case when m.by_phone then 'l.phone' else 'l.name' end)
      into seen using for_client, m.pattern, cap;
    if seen > cap then
      return null;
    end if;
  end if;
  -- The index is asked for the term's last 6 characters (20261202150200); the whole pattern decides.
  execute format('select array(select l.id from public.leads l where l.client_id = $1 and %s like $2 and %s like $3 limit $4 + 1)',
                 case when m.by_phone then 'l.phone' else 'l.search_key' end, case when m.by_phone then 'l.phone' else 'lower(l.name)' end)
    into ids
    using for_client, private.search_like(right(coalesce(digits, private.search_key(term)), 6)), m.pattern, cap;
  return case when cardinality(ids) > cap then null else ids end;
end
$$;
revoke all on function private.search_lead_ids(uuid, text, integer) from public, anon;
grant execute on function private.search_lead_ids(uuid, text, integer) to authenticated, service_role;

create or replace function private.matching_lead_ids(for_client uuid, term text) returns uuid[]
language sql stable
set search_path = ''
as $$ select private.search_lead_ids(for_client, term, 5000) $$;
drop function private.lead_search_matches(uuid, text, text, boolean, integer);

-- The caller's items whose lead contains the needle, in list order after the cursor, at most `want`: a walk of
-- private.queue_list_keys (one range for the whole client or a single owner, else one per owner). With a budget, at
-- most that many entries are read from one range, and null means they were read without filling the page.
create function private.queue_list_walk(for_client uuid, status_filter public.queue_item_status, needle text, by_phone boolean,
  after_created_at timestamptz, after_id uuid, want integer, budget integer) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
declare
  s record := private.list_scope(for_client);
  range_sql text := 'k.client_id = $1';
  hit_sql text := format('strpos(k.%s, $3) > 0', case when by_phone then 'lead_phone' else 'lead_name' end);
  ids uuid[];
  read_all bigint;
begin
  if status_filter is not null then
    hit_sql := hit_sql || ' and exists (select 1 from public.whatsapp_message_queue q where q.id = k.id and q.status = $2)';
  end if;
  if after_id is not null then range_sql := range_sql || ' and (k.created_at, k.id) < ($4, $5)'; end if;
  if not s.everyone and cardinality(s.owners) = 0 then
    return '{}';
  end if;
  if s.everyone or cardinality(s.owners) = 1 then
    if not s.everyone then range_sql := range_sql || ' and k.user_id = $7[1]'; end if;
    execute format(
      'select coalesce(array_agg(k.id order by k.created_at desc, k.id desc), ''{}'')
         from (select k.id, k.created_at from (select k.id, k.created_at, k.lead_name, k.lead_phone from private.queue_list_keys k
                                  where %s order by k.created_at desc, k.id desc limit $8) k
                where %s order by k.created_at desc, k.id desc limit $6) k', range_sql, hit_sql)
      into ids
      using for_client, status_filter, needle, after_created_at, after_id, want, s.owners, budget;
    if cardinality(ids) < want and budget is not null then
      -- Short of a page: it is the whole answer only if the range ended within the budget.
      execute format('select count(*) from (select 1 from private.queue_list_keys k where %s limit $8) k', range_sql)
        into read_all
        using for_client, status_filter, needle, after_created_at, after_id, want, s.owners, budget;
      if read_all = budget then
        return null;
      end if;
    end if;
    return ids;
  end if;
  if budget is not null then
    return null;
  end if;
  execute format(
    'select coalesce(array_agg(w.id order by w.created_at desc, w.id desc), ''{}'')
       from (select k.id, k.created_at from unnest($7::uuid[]) o(owner_id)
               cross join lateral (select k.id, k.created_at from private.queue_list_keys k
                                    where %s and k.user_id = o.owner_id and %s
                                    order by k.created_at desc, k.id desc limit $6) k
              order by k.created_at desc, k.id desc limit $6) w', range_sql, hit_sql)
    into ids
    using for_client, status_filter, needle, after_created_at, after_id, want, s.owners;
  return ids;
end
$$;
revoke all on function private.queue_list_walk(uuid, public.queue_item_status, text, boolean, timestamptz, uuid, integer, integer) from public, anon;
grant execute on function private.queue_list_walk(uuid, public.queue_item_status, text, boolean, timestamptz, uuid, integer, integer) to authenticated, service_role;

-- The caller's items of `leads` in list order after the cursor, at most `want`, from queue_lead_list_idx. The ids
-- come in as an init plan: as a constant the planner estimated each of them (13-28 ms for 3,707).
create function private.queue_list_lookup(for_client uuid, status_filter public.queue_item_status, leads uuid[],
  after_created_at timestamptz, after_id uuid, want integer) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
declare
  s record := private.list_scope(for_client);
  filter text := 'q.lead_id = any ((select $3)::uuid[]) and q.client_id = $1';
  ids uuid[];
begin
  if not s.everyone then filter := filter || ' and q.user_id = any ($7)'; end if;
  if status_filter is not null then filter := filter || ' and q.status = $2'; end if;
  if after_id is not null then filter := filter || ' and (q.created_at, q.id) < ($4, $5)'; end if;
  execute format(
    'select coalesce(array_agg(h.id order by h.created_at desc, h.id desc), ''{}'')
       from (select q.id, q.created_at from public.whatsapp_message_queue q where %s
              order by q.created_at desc, q.id desc limit $6) h', filter)
    into ids
    using for_client, status_filter, leads, after_created_at, after_id, want, s.owners;
  return ids;
end
$$;
revoke all on function private.queue_list_lookup(uuid, public.queue_item_status, uuid[], timestamptz, uuid, integer) from public, anon;
grant execute on function private.queue_list_lookup(uuid, public.queue_item_status, uuid[], timestamptz, uuid, integer) to authenticated, service_role;

-- The ids of a search page. Up to `lookup_max` matching leads are looked up. More are walked, at most `walk_budget`
-- entries; when those do not fill the page, up to 5,000 leads are looked up after all, and a walked term (more) is
-- walked to the end. Every path gives the same rows in the same order; the thresholds only choose the cheaper one.
create function private.queue_list_search_ids(for_client uuid, status_filter public.queue_item_status, term text,
  after_created_at timestamptz, after_id uuid, want integer, lookup_max integer default 500, walk_budget integer default 60000)
returns uuid[]
language plpgsql stable
set search_path = ''
as $$
declare
  n record := private.lead_needle(term);
  -- A term the planner expects in more leads than a lookup takes is walked without proving it.
  leads uuid[] := case when private.lead_estimate(for_client, term) > lookup_max then null
                       else private.search_lead_ids(for_client, term, lookup_max) end;
  ids uuid[];
begin
  if leads is null then
    ids := private.queue_list_walk(for_client, status_filter, n.needle, n.by_phone, after_created_at, after_id, want, walk_budget);
    if ids is not null then
      return ids;
    end if;
    leads := private.matching_lead_ids(for_client, term);
    if leads is null then
      return private.queue_list_walk(for_client, status_filter, n.needle, n.by_phone, after_created_at, after_id, want, null);
    end if;
  end if;
  return private.queue_list_lookup(for_client, status_filter, leads, after_created_at, after_id, want);
end
$$;
revoke all on function private.queue_list_search_ids(uuid, public.queue_item_status, text, timestamptz, uuid, integer, integer, integer) from public, anon;
grant execute on function private.queue_list_search_ids(uuid, public.queue_item_status, text, timestamptz, uuid, integer, integer, integer) to authenticated, service_role;

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
  ids uuid[];
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
  if term is not null then
    ids := private.queue_list_search_ids(for_client, status_filter, term, after_created_at, after_id, page_size);
    -- Read as the caller: RLS decides once more what is shown.
    return query
      select p.id, p.lead_id, p.user_id, p.status, p.priority, p.scheduled_for, p.next_attempt_at, p.agent_conversation_id,
             p.processed_at, p.attempts, p.max_attempts, p.last_error, p.error_code, p.created_at, p.updated_at, l.name, l.phone
        from public.whatsapp_message_queue p left join public.leads l on l.id = p.lead_id
       where p.id = any (ids)
       order by p.created_at desc, p.id desc;
    return;
  end if;
  if status_filter is not null then filter := filter || ' and q.status = $2'; end if;
  if after_id is not null then filter := filter || ' and (q.created_at, q.id) < ($4, $5)'; end if;
  select x.inner_sql, x.owners into inner_sql, owners from private.queue_list_ranges(for_client, filter, '$6') x;
  return query execute format(
    'select p.id, p.lead_id, p.user_id, p.status, p.priority, p.scheduled_for, p.next_attempt_at, p.agent_conversation_id,
            p.processed_at, p.attempts, p.max_attempts, p.last_error, p.error_code, p.created_at, p.updated_at, l.name, l.phone
       from (%s) p left join public.leads l on l.id = p.lead_id
      order by p.created_at desc, p.id desc', inner_sql)
    using for_client, status_filter, null::uuid[], after_created_at, after_id, page_size, owners;
end
$$;

-- Per status: the caller's items of `leads` (exact), or, for a walked term (null leads), the matches among the
-- caller's newest 1,000 items and how many of each status those were. An admin whose items (the kept counters) are at
-- most `walk_factor` times the leads walks their own range and tests each entry's key, which is the same test
-- (admin0's 19,608 entries for 'Lead 12', against 3,707 index descents for the lookup).
create function private.queue_list_search_counts(for_client uuid, leads uuid[], needle text, by_phone boolean, walk_factor integer default 8)
returns table (status public.queue_item_status, hits bigint, seen bigint)
language plpgsql stable security definer
set search_path = ''
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
revoke all on function private.queue_list_search_counts(uuid, uuid[], text, boolean, integer) from public, anon;
grant execute on function private.queue_list_search_counts(uuid, uuid[], text, boolean, integer) to authenticated, service_role;

create or replace function public.queue_list_counts(for_client uuid, search text default null)
returns table (status public.queue_item_status, items bigint, capped boolean)
language plpgsql stable
set search_path = ''
as $$
declare
  term text := nullif(btrim(search), '');
  n record;
  leads uuid[];
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

drop function private.lead_contains_sql(text, text, text);
