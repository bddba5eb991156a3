-- queue list pages (issue 11, item 5): the list reads one page at a time, newest first, keyed on (created_at, id) so a
-- page never skips or repeats a row while items change underneath; it finds items by their lead's name (any script)
-- or phone (typed in any common format); the status tabs' counts are kept per (client, admin, status), so counting
-- never scans the queue. All of it runs as the caller (security invoker): RLS decides what is listed and counted.

create extension if not exists pg_trgm with schema extensions;

-- The keyset order per owner (an admin's page walks their own items, and a departed admin's, one index range each)
-- and client-wide (a manager's page), each with and without the status tab.
create index queue_list_owner_idx on public.whatsapp_message_queue (client_id, user_id, created_at desc, id desc);
create index queue_list_owner_status_idx on public.whatsapp_message_queue (client_id, user_id, status, created_at desc, id desc);
create index queue_list_client_idx on public.whatsapp_message_queue (client_id, created_at desc, id desc);
create index queue_list_client_status_idx on public.whatsapp_message_queue (client_id, status, created_at desc, id desc);
-- Superseded by queue_list_client_idx (same leading columns plus the tiebreaker).
drop index public.queue_client_created_idx;

-- pg_trgm builds trigrams from the letters of the database's locale only (under the C locale Hebrew has none), so
-- names are indexed as the hex of their lowercased UTF-8 bytes: the same substring test, in letters every locale has.
create function private.search_hex(value text) returns text
language sql immutable strict parallel safe
set search_path = ''
as $$ select encode(convert_to(lower(value), 'UTF8'), 'hex') $$;

create index leads_name_search_idx on public.leads using gin (private.search_hex(name) extensions.gin_trgm_ops);
create index leads_phone_search_idx on public.leads using gin (phone extensions.gin_trgm_ops);

-- The digits a typed phone number stands for in E.164 without the plus: 050-1234567 and +972 50 123 4567 both give
-- 972501234567 (a leading 0 is Israel's trunk prefix, 00 the international one); null when the text is not a phone.
create function private.search_phone_digits(term text) returns text
language sql immutable strict parallel safe
set search_path = ''
as $$
  select case
           when d ~ '^00' then substr(d, 3)
           when d ~ '^0' then '972' || substr(d, 2)
           else d
         end
    from (select regexp_replace(term, '\D', '', 'g') as d) x
   where term ~ '^[\s\d+()./-]+$' and length(d) >= 3
$$;

-- A LIKE pattern that matches `term` anywhere, its wildcards taken literally.
create function private.search_like(term text) returns text
language sql immutable strict parallel safe
set search_path = ''
as $$ select '%' || replace(replace(replace(term, '\', '\\'), '%', '\%'), '_', '\_') || '%' $$;

revoke all on function private.search_hex(text), private.search_phone_digits(text), private.search_like(text) from public, anon;
grant execute on function private.search_hex(text), private.search_phone_digits(text), private.search_like(text) to authenticated, service_role;

-- Ids of the client's leads whose name contains the term or, when the term is a phone number, whose phone does, as
-- one array so that the caller's plan knows how many there are. Runs as the caller: the leads' policy applies; planned
-- for each term (dynamic), since a generic plan cannot tell a rare name from a common one.
create function private.matching_lead_ids(for_client uuid, term text) returns uuid[]
language plpgsql stable
set search_path = ''
as $$
declare
  digits text := private.search_phone_digits(term);
  ids uuid[];
begin
  if digits is not null then
    execute 'select array(select l.id from public.leads l where l.client_id = $1 and l.phone like $2)'
      into ids using for_client, private.search_like(digits);
  else
    execute 'select array(select l.id from public.leads l where l.client_id = $1
                             and private.search_hex(l.name) like $2 and lower(l.name) like $3)'
      into ids using for_client, private.search_like(private.search_hex(term)), private.search_like(lower(term));
  end if;
  return ids;
end
$$;
revoke all on function private.matching_lead_ids(uuid, text) from public, anon;
grant execute on function private.matching_lead_ids(uuid, text) to authenticated, service_role;

-- One page of the client's queue the caller may read, newest first. `after_created_at`/`after_id` are the last row of
-- the previous page (both or neither); ask for one row more than shown to learn whether another page follows.
create function public.queue_list_page(
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
  owners uuid[];
  leads uuid[];
  filter text := 'q.client_id = $1';
  inner_sql text;
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
    leads := private.matching_lead_ids(for_client, term);
    filter := filter || ' and q.lead_id = any ($3)';
  end if;
  if after_id is not null then filter := filter || ' and (q.created_at, q.id) < ($4, $5)'; end if;

  if for_client in (select private.manager_client_ids()) then
    inner_sql := format('select q.* from public.whatsapp_message_queue q where %s order by q.created_at desc, q.id desc limit $6', filter);
  else
    -- An admin reads their own items and those of departed admins they took over the client from: one index range each.
    owners := array[(select auth.uid())] || array(select d.user_id from private.departed_owners() d where d.client_id = for_client);
    inner_sql := format(
      'select q.* from unnest($7::uuid[]) o(owner_id)
         cross join lateral (select q.* from public.whatsapp_message_queue q
                              where %s and q.user_id = o.owner_id order by q.created_at desc, q.id desc limit $6) q
        order by q.created_at desc, q.id desc limit $6', filter);
  end if;

  return query execute format(
    'select p.id, p.lead_id, p.user_id, p.status, p.priority, p.scheduled_for, p.next_attempt_at, p.agent_conversation_id,
            p.processed_at, p.attempts, p.max_attempts, p.last_error, p.error_code, p.created_at, p.updated_at, l.name, l.phone
       from (%s) p left join public.leads l on l.id = p.lead_id
      order by p.created_at desc, p.id desc', inner_sql)
    using for_client, status_filter, leads, after_created_at, after_id, page_size, owners;
end
$$;
revoke all on function public.queue_list_page(uuid, public.queue_item_status, text, timestamptz, uuid, integer) from public, anon;
grant execute on function public.queue_list_page(uuid, public.queue_item_status, text, timestamptz, uuid, integer) to authenticated, service_role;

-- Items per (client, admin, status), kept by the queue's statement triggers: the tabs' counts read a few rows.
create table public.queue_status_counts (
  client_id uuid not null,
  user_id uuid not null,
  status public.queue_item_status not null,
  items bigint not null default 0,
  primary key (client_id, user_id, status)
);
comment on table public.queue_status_counts is
  'Queue items per (client, admin, status), kept by triggers on whatsapp_message_queue (no foreign keys: the counters must not lock the client or user rows on every transition); read through queue_list_counts().';
alter table public.queue_status_counts enable row level security;
revoke all on public.queue_status_counts from public, anon, authenticated;
grant select on public.queue_status_counts to authenticated;
grant all on public.queue_status_counts to service_role;
-- The same visibility as the queue's own read policy.
create policy "admins read own and departed admins' counts, managers their client's" on public.queue_status_counts
  for select to authenticated
  using (
    (user_id = (select auth.uid()) and client_id in (select private.member_client_ids()))
    or client_id in (select private.manager_client_ids())
    or (client_id, user_id) in (select d.client_id, d.user_id from private.departed_owners() d)
  );

-- Adds a statement's net change per (client, admin, status); rows in key order so concurrent statements lock alike.
create function private.count_queue_statuses() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.queue_status_counts as c (client_id, user_id, status, items)
    select n.client_id, n.user_id, n.status, count(*) from new_items n
     group by 1, 2, 3 order by 1, 2, 3
    on conflict (client_id, user_id, status) do update set items = c.items + excluded.items;
  elsif tg_op = 'DELETE' then
    update public.queue_status_counts c set items = c.items - d.n
      from (select o.client_id, o.user_id, o.status, count(*) as n from old_items o group by 1, 2, 3 order by 1, 2, 3) d
     where (c.client_id, c.user_id, c.status) = (d.client_id, d.user_id, d.status);
  else
    insert into public.queue_status_counts as c (client_id, user_id, status, items)
    select x.client_id, x.user_id, x.status, sum(x.n) from (
      select n.client_id, n.user_id, n.status, 1 as n from new_items n
      union all
      select o.client_id, o.user_id, o.status, -1 from old_items o
    ) x
     group by 1, 2, 3 having sum(x.n) <> 0 order by 1, 2, 3
    on conflict (client_id, user_id, status) do update set items = c.items + excluded.items;
  end if;
  return null;
end
$$;
revoke all on function private.count_queue_statuses() from public, anon, authenticated;

create trigger queue_status_counts_insert after insert on public.whatsapp_message_queue
  referencing new table as new_items for each statement execute function private.count_queue_statuses();
create trigger queue_status_counts_update after update on public.whatsapp_message_queue
  referencing old table as old_items new table as new_items for each statement execute function private.count_queue_statuses();
create trigger queue_status_counts_delete after delete on public.whatsapp_message_queue
  referencing old table as old_items for each statement execute function private.count_queue_statuses();

-- Recounts from the queue (after a bulk load with triggers off, or to repair); service role only.
create function private.recount_queue_statuses() returns void
language sql security definer
set search_path = ''
as $$
  delete from public.queue_status_counts;
  insert into public.queue_status_counts (client_id, user_id, status, items)
  select q.client_id, q.user_id, q.status, count(*) from public.whatsapp_message_queue q group by 1, 2, 3;
$$;
revoke all on function private.recount_queue_statuses() from public, anon, authenticated;
grant execute on function private.recount_queue_statuses() to service_role;

select private.recount_queue_statuses();

-- The status tabs' counts for one client, as the caller may see them: from the kept counters, or with a search, the
-- matching items counted up to 1,000 per status (capped: there are more).
create function public.queue_list_counts(for_client uuid, search text default null)
returns table (status public.queue_item_status, items bigint, capped boolean)
language plpgsql stable
set search_path = ''
as $$
declare
  term text := nullif(btrim(search), '');
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
  leads := private.matching_lead_ids(for_client, term);
  return query execute
    'select s.status, least(m.n, 1000), m.n > 1000
       from unnest(enum_range(null::public.queue_item_status)) s(status)
       cross join lateral (select count(*) as n from (select 1 from public.whatsapp_message_queue q
                            where q.client_id = $1 and q.status = s.status and q.lead_id = any ($2) limit 1001) x) m
      order by s.status'
    using for_client, leads;
end
$$;
revoke all on function public.queue_list_counts(uuid, text) from public, anon;
grant execute on function public.queue_list_counts(uuid, text) to authenticated, service_role;
