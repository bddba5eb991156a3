-- lead imports: an admin's file comes in as chunks of rows, one call each, under an import id the SPA picks before the
-- first chunk. A chunk is applied once: its result is stored with it in the same transaction, and the same chunk sent
-- again (a retry after a dropped connection) answers that result and changes nothing. A lead whose phone the client
-- already has is updated (name, email, tags added), never duplicated; an opted-out lead stays opted out whatever the
-- file says (the import writes leads as the caller, so the opt-out guard applies). The report is built from the stored
-- chunk results, so it survives a reload, and an import cut short still has one (chunks done of total). Everything is
-- security invoker: RLS decides, and only a client's admins may import into it or read its imports.

create table public.lead_imports (
  -- Chosen by the SPA: the key a retried start or chunk is recognised by.
  id uuid primary key,
  client_id uuid not null references public.clients (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  file_name text not null constraint lead_imports_file_name_length check (char_length(file_name) between 1 and 255),
  total_rows integer not null constraint lead_imports_total_rows_range check (total_rows between 0 and 50000),
  blank_rows integer not null default 0 constraint lead_imports_blank_rows_range check (blank_rows >= 0),
  total_chunks integer not null constraint lead_imports_total_chunks_range check (total_chunks between 0 and 1000),
  created_at timestamptz not null default now()
);
create index lead_imports_client_created_idx on public.lead_imports (client_id, created_at desc);
comment on table public.lead_imports is 'One file imported by an admin; its report is the sum of its chunks (lead_import_report).';

create table public.lead_import_chunks (
  import_id uuid not null references public.lead_imports (id) on delete cascade,
  chunk_no integer not null constraint lead_import_chunks_no_range check (chunk_no >= 0),
  created integer not null,
  updated integer not null,
  unchanged integer not null,
  -- Rows that named an opted-out lead without opting out: the lead stays opted out.
  kept_opted_out integer not null,
  -- [{row, reason, value}] in row order: what was not imported and why.
  invalid jsonb not null default '[]' constraint lead_import_chunks_invalid_array check (jsonb_typeof(invalid) = 'array'),
  created_at timestamptz not null default now(),
  primary key (import_id, chunk_no)
);
comment on table public.lead_import_chunks is 'The result of one applied chunk, written with it: a retried chunk answers this instead of running again.';

revoke all on public.lead_imports, public.lead_import_chunks from anon, authenticated, service_role, public;
grant select, insert, update, delete on public.lead_imports, public.lead_import_chunks to service_role;
grant select on public.lead_imports, public.lead_import_chunks to authenticated;
grant insert (id, client_id, user_id, file_name, total_rows, blank_rows, total_chunks) on public.lead_imports to authenticated;
grant insert (import_id, chunk_no, created, updated, unchanged, kept_opted_out, invalid) on public.lead_import_chunks to authenticated;
alter table public.lead_imports enable row level security;
alter table public.lead_import_chunks enable row level security;

create policy "admins read their client's imports" on public.lead_imports
  for select to authenticated using (client_id in (select private.admin_client_ids()));
create policy "admins start imports into their client" on public.lead_imports
  for insert to authenticated
  with check (user_id = (select auth.uid()) and client_id in (select private.admin_client_ids()));
create policy "admins read their client's import chunks" on public.lead_import_chunks
  for select to authenticated using (import_id in (select i.id from public.lead_imports i));
create policy "admins record chunks of their own imports" on public.lead_import_chunks
  for insert to authenticated
  with check (import_id in (select i.id from public.lead_imports i where i.user_id = (select auth.uid())
                                                                   and i.client_id in (select private.admin_client_ids())));

-- Starts an import (again: a retried start answers the row it made). Refused (42501) to anyone but an admin of the client.
create function public.start_lead_import(import_id uuid, client_id uuid, file_name text, total_rows integer,
  total_chunks integer, blank_rows integer default 0)
returns public.lead_imports
language plpgsql
set search_path = ''
as $$
declare
  started public.lead_imports;
begin
  insert into public.lead_imports (id, client_id, file_name, total_rows, blank_rows, total_chunks)
  values (import_id, client_id, left(btrim(file_name), 255), total_rows, blank_rows, total_chunks)
  on conflict (id) do nothing;
  select i.* into started from public.lead_imports i where i.id = import_id;
  if started.id is null or started.client_id <> start_lead_import.client_id or started.user_id <> (select auth.uid()) then
    raise exception 'This import id belongs to another import' using errcode = '22023', detail = 'invalid_input';
  end if;
  return started;
end
$$;

-- Applies one chunk of an import: rows [{row, name, phone, email?, tags?, opted_out?, error?, value?}], at most 5,000.
-- `error` is a problem the browser already found (an unreadable phone, say) with the cell it read as `value`; the row is
-- reported, not written. Rows are applied in file order: the first row of a phone in the chunk, then the second, …
-- (one set-based upsert per round), so a phone twice in a file creates once and then updates or leaves unchanged.
create function public.import_leads(import_id uuid, chunk_no integer, rows jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  target public.lead_imports;
  done public.lead_import_chunks;
  rounds integer;
  created_count integer := 0;
  updated_count integer := 0;
  unchanged_count integer := 0;
  kept_count integer := 0;
  round_created integer;
  round_updated integer;
  round_size integer;
  problems jsonb;
begin
  select i.* into target from public.lead_imports i where i.id = import_leads.import_id;
  if target.id is null then
    raise exception 'No such import of yours: start it first' using errcode = 'LQ404', detail = 'not_found';
  end if;
  if chunk_no is null or chunk_no < 0 or chunk_no >= target.total_chunks then
    raise exception 'chunk_no must be between 0 and % for this import', target.total_chunks - 1 using errcode = '22023', detail = 'invalid_input';
  end if;
  if rows is null or jsonb_typeof(rows) <> 'array' or jsonb_array_length(rows) > 5000 then
    raise exception 'rows must be an array of at most 5000 rows' using errcode = '22023', detail = 'invalid_input';
  end if;

  -- The same chunk sent twice at once: the second waits here, then finds the first one's result.
  perform pg_advisory_xact_lock(hashtextextended('lq.import:' || import_leads.import_id::text || ':' || chunk_no::text, 0));
  select c.* into done from public.lead_import_chunks c where c.import_id = import_leads.import_id and c.chunk_no = import_leads.chunk_no;
  if done.import_id is not null then
    return private.import_chunk_result(done) || jsonb_build_object('replayed', true);
  end if;

  create temp table if not exists pg_temp.import_rows (
    row_no integer, name text, phone text, email text, tags text[], opted_out boolean, problem text, value text, occurrence integer
  ) on commit drop;
  truncate pg_temp.import_rows;
  insert into pg_temp.import_rows (row_no, name, phone, email, tags, opted_out, problem, value)
  select r.row_no, r.name, r.phone, r.email, r.tags, coalesce(r.opted_out, false),
         case
           when r.error is not null then case when r.error = any (private.import_problems()) then r.error else 'invalid_row' end
           when r.name is null then 'missing_name'
           when char_length(r.name) > 200 then 'name_too_long'
           when r.phone is null then 'missing_phone'
           when not private.is_e164(r.phone) then 'invalid_phone'
           when char_length(r.email) > 320 then 'invalid_email'
           when not private.are_valid_tags(r.tags) then 'invalid_tags'
         end,
         left(coalesce(r.value, case when r.phone is null or private.is_e164(r.phone) then null else r.phone end), 200)
    from (select (x ->> 'row')::integer as row_no,
                 nullif(btrim(x ->> 'name'), '') as name,
                 nullif(btrim(x ->> 'phone'), '') as phone,
                 nullif(btrim(x ->> 'email'), '') as email,
                 array(select u.tag from (
                         select btrim(e) as tag, min(n) as n
                           from jsonb_array_elements_text(case when jsonb_typeof(x -> 'tags') = 'array' then x -> 'tags' else '[]' end)
                                with ordinality a(e, n)
                          where btrim(e) <> '' group by btrim(e)) u order by u.n) as tags,
                 (x ->> 'opted_out')::boolean as opted_out,
                 x ->> 'error' as error,
                 x ->> 'value' as value
            from jsonb_array_elements(rows) x) r;
  update pg_temp.import_rows r set occurrence = o.n
    from (select row_no, row_number() over (partition by phone order by row_no) as n from pg_temp.import_rows where problem is null) o
   where o.row_no = r.row_no and r.problem is null;

  select count(*) into kept_count
    from pg_temp.import_rows r join public.leads l on l.client_id = target.client_id and l.phone = r.phone
   where r.problem is null and l.opted_out_at is not null and not r.opted_out;

  select coalesce(max(occurrence), 0) into rounds from pg_temp.import_rows;
  for pass in 1 .. rounds loop
    select count(*) into round_size from pg_temp.import_rows r where r.occurrence = pass;
    with upserted as (
      insert into public.leads as l (client_id, name, phone, email, tags, opted_out_at)
      select target.client_id, r.name, r.phone, r.email, r.tags, case when r.opted_out then now() end
        from pg_temp.import_rows r where r.occurrence = pass
      on conflict (client_id, phone) do update
         set name = excluded.name,
             email = coalesce(excluded.email, l.email),
             tags = private.merge_tags(l.tags, excluded.tags),
             -- Never cleared by a file: only the opt-out the file adds is written.
             opted_out_at = coalesce(l.opted_out_at, excluded.opted_out_at)
       where (l.name, l.email, l.tags, l.opted_out_at is null)
             is distinct from (excluded.name, coalesce(excluded.email, l.email), private.merge_tags(l.tags, excluded.tags),
                               l.opted_out_at is null and excluded.opted_out_at is null)
      returning (xmax = 0) as inserted
    )
    select count(*) filter (where inserted), count(*) filter (where not inserted) into round_created, round_updated from upserted;
    created_count := created_count + round_created;
    updated_count := updated_count + round_updated;
    unchanged_count := unchanged_count + round_size - round_created - round_updated;
  end loop;

  select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('row', r.row_no, 'reason', r.problem, 'value', r.value)) order by r.row_no), '[]')
    into problems from pg_temp.import_rows r where r.problem is not null;

  insert into public.lead_import_chunks (import_id, chunk_no, created, updated, unchanged, kept_opted_out, invalid)
  values (import_leads.import_id, chunk_no, created_count, updated_count, unchanged_count, kept_count, problems)
  returning * into done;
  return private.import_chunk_result(done);
end
$$;

-- The reasons a row is not imported, as the report names them (the SPA has a sentence for each).
create function private.import_problems() returns text[]
language sql immutable
set search_path = ''
as $$ select array['missing_name', 'name_too_long', 'missing_phone', 'invalid_phone', 'invalid_email', 'invalid_tags', 'invalid_row'] $$;

create function private.import_chunk_result(c public.lead_import_chunks) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object('chunk_no', c.chunk_no, 'created', c.created, 'updated', c.updated, 'unchanged', c.unchanged,
                            'kept_opted_out', c.kept_opted_out, 'invalid', c.invalid)
$$;

-- The report of an import so far, from its stored chunks: counts, invalid rows in row order, and whether it is complete.
create function public.lead_import_report(import_id uuid)
returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'import_id', i.id, 'file_name', i.file_name, 'created_at', i.created_at,
    'total_rows', i.total_rows, 'blank_rows', i.blank_rows, 'total_chunks', i.total_chunks,
    'chunks_done', (select count(*) from public.lead_import_chunks c where c.import_id = i.id),
    'complete', (select count(*) from public.lead_import_chunks c where c.import_id = i.id) = i.total_chunks,
    'created', (select coalesce(sum(c.created), 0) from public.lead_import_chunks c where c.import_id = i.id),
    'updated', (select coalesce(sum(c.updated), 0) from public.lead_import_chunks c where c.import_id = i.id),
    'unchanged', (select coalesce(sum(c.unchanged), 0) from public.lead_import_chunks c where c.import_id = i.id),
    'kept_opted_out', (select coalesce(sum(c.kept_opted_out), 0) from public.lead_import_chunks c where c.import_id = i.id),
    'invalid', (select coalesce(jsonb_agg(p order by (p ->> 'row')::integer), '[]')
                  from public.lead_import_chunks c cross join jsonb_array_elements(c.invalid) p where c.import_id = i.id))
  from public.lead_imports i where i.id = lead_import_report.import_id
$$;

revoke all on function private.import_problems(), private.import_chunk_result(public.lead_import_chunks) from public, anon;
grant execute on function private.import_problems(), private.import_chunk_result(public.lead_import_chunks) to authenticated, service_role;
revoke all on function public.start_lead_import(uuid, uuid, text, integer, integer, integer), public.import_leads(uuid, integer, jsonb),
  public.lead_import_report(uuid) from public, anon;
grant execute on function public.start_lead_import(uuid, uuid, text, integer, integer, integer), public.import_leads(uuid, integer, jsonb),
  public.lead_import_report(uuid) to authenticated, service_role;
