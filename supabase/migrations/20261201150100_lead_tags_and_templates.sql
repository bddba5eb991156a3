-- lead tags and message templates: leads carry tags (filtered with `tags @> array[…]`, a GIN index), a client has a
-- default phone region (what a number without a country code means when leads are imported or typed), and each client
-- keeps the list of message templates its admins may queue, with their variable names; enqueue_leads checks a queued
-- template and its variables against that list. Every client has 'initial_outreach' (no variables), the template
-- every item used so far: existing clients get it here, new clients from a trigger.

-- ISO 3166-1 alpha-2, as libphonenumber-js reads it.
alter table public.clients add column default_region text not null default 'IL'
  constraint clients_default_region_format check (default_region ~ '^[A-Z]{2}$');
comment on column public.clients.default_region is 'The country a phone number without a country code belongs to (imports, the lead form).';

-- Up to 50 tags of 1..50 characters, trimmed, none twice.
create function private.are_valid_tags(tags text[]) returns boolean
language sql immutable
set search_path = ''
as $$
  select cardinality(tags) <= 50
     and array_position(tags, null) is null
     and (select count(distinct t) = count(*) and coalesce(bool_and(char_length(t) between 1 and 50 and t = btrim(t)), true)
            from unnest(tags) t)
$$;

-- Tags of `b` not in `a`, appended to `a` in `b`'s order: an import or an edit adds tags, never reorders them.
create function private.merge_tags(a text[], b text[]) returns text[]
language sql immutable
set search_path = ''
as $$ select a || coalesce(array(select t from unnest(b) with ordinality u(t, n) where not t = any (a) order by n), '{}') $$;

-- Variable names of a template: identifiers of at most 50 characters, none twice, at most 20.
create function private.are_valid_template_variables(names text[]) returns boolean
language sql immutable
set search_path = ''
as $$
  select cardinality(names) <= 20
     and array_position(names, null) is null
     and (select count(distinct v) = count(*) and coalesce(bool_and(v ~ '^[A-Za-z_][A-Za-z0-9_]{0,49}$'), true) from unnest(names) v)
$$;

revoke all on function private.are_valid_tags(text[]), private.merge_tags(text[], text[]), private.are_valid_template_variables(text[])
  from public, anon;
grant execute on function private.are_valid_tags(text[]), private.merge_tags(text[], text[]), private.are_valid_template_variables(text[])
  to authenticated, service_role;

alter table public.leads add column tags text[] not null default '{}'
  constraint leads_tags_valid check (private.are_valid_tags(tags));
-- The grid's and the export's tag filter: `tags @> array['vip']`.
create index leads_tags_idx on public.leads using gin (tags);
grant insert (tags) on public.leads to authenticated;
grant update (tags) on public.leads to authenticated;

create table public.message_templates (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  name text not null constraint message_templates_name_format check (char_length(name) between 1 and 100 and name = btrim(name)),
  -- Names of the variables an item of this template must fill, each an identifier, none twice, at most 20.
  variables text[] not null default '{}' constraint message_templates_variables_valid check (private.are_valid_template_variables(variables)),
  description text constraint message_templates_description_length check (description is null or char_length(description) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint message_templates_client_name_key unique (client_id, name)
);
comment on table public.message_templates is 'The templates a client''s admins may queue, with the variables each needs (enqueue_leads checks both).';

revoke all on public.message_templates from anon, authenticated, service_role, public;
grant select, insert, update, delete on public.message_templates to service_role;
grant select, delete on public.message_templates to authenticated;
grant insert (client_id, name, variables, description) on public.message_templates to authenticated;
grant update (name, variables, description) on public.message_templates to authenticated;
alter table public.message_templates enable row level security;
create policy "members read their client's templates" on public.message_templates
  for select to authenticated using (client_id in (select private.member_client_ids()));
create policy "admins add templates to their client" on public.message_templates
  for insert to authenticated with check (client_id in (select private.admin_client_ids()));
create policy "admins edit their client's templates" on public.message_templates
  for update to authenticated
  using (client_id in (select private.admin_client_ids()))
  with check (client_id in (select private.admin_client_ids()));
create policy "admins delete their client's templates" on public.message_templates
  for delete to authenticated using (client_id in (select private.admin_client_ids()));

create trigger message_templates_touch before update on public.message_templates
  for each row execute function private.touch_updated_at();

-- Every client starts with the template items have always used.
create function private.add_default_template() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.message_templates (client_id, name, description)
  values (new.id, 'initial_outreach', 'The first message to a lead')
  on conflict (client_id, name) do nothing;
  return null;
end
$$;
create trigger clients_add_default_template after insert on public.clients
  for each row execute function private.add_default_template();

revoke all on function private.add_default_template() from public, anon, authenticated;

insert into public.message_templates (client_id, name, description)
select c.id, 'initial_outreach', 'The first message to a lead' from public.clients c
on conflict (client_id, name) do nothing;
