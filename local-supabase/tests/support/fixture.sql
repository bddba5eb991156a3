-- The package's own test schema (after bootstrap.sql), in the manner of PostgREST's test fixtures: tables with
-- composite, self-referencing and many-to-many keys, views over them, computed fields and relationships,
-- overloaded functions, and a second exposed schema. The contract tests read and write only these.

create table public.rf_authors (
  id int primary key, name text not null, country text, meta jsonb not null default '{}', tags text[] not null default '{}'
);
create table public.rf_books (
  id serial primary key,
  title text not null unique,
  author_id int references public.rf_authors (id),
  editor_id int references public.rf_authors (id),
  pages int,
  status text not null default 'draft',
  in_print boolean,
  data jsonb not null default '{}'
);
create table public.rf_profiles (author_id int primary key references public.rf_authors (id), bio text);
create table public.rf_notes (
  id uuid primary key default gen_random_uuid(),
  owner uuid not null default auth.uid(),
  body text not null
);
create table public.rf_tags (id int primary key, label text not null);
create table public.rf_book_tags (
  book_id int references public.rf_books (id), tag_id int references public.rf_tags (id), primary key (book_id, tag_id)
);
create table public.rf_secrets (id int primary key, value text);
create table public.rf_log (id serial primary key, message text);

alter table public.rf_authors enable row level security;
alter table public.rf_books enable row level security;
alter table public.rf_profiles enable row level security;
alter table public.rf_notes enable row level security;
create policy rf_authors_read on public.rf_authors for select to anon, authenticated using (true);
create policy rf_authors_write on public.rf_authors for all to authenticated using (true) with check (true);
create policy rf_books_read on public.rf_books for select to anon, authenticated using (true);
create policy rf_books_write on public.rf_books for all to authenticated using (true) with check (true);
create policy rf_profiles_read on public.rf_profiles for select to anon, authenticated using (true);
create policy rf_notes_select on public.rf_notes for select to authenticated using (owner = (select auth.uid()));
create policy rf_notes_insert on public.rf_notes for insert to authenticated with check (owner = (select auth.uid()));
create policy rf_notes_update on public.rf_notes for update to authenticated using (owner = (select auth.uid())) with check (owner = (select auth.uid()));
create policy rf_notes_delete on public.rf_notes for delete to authenticated using (owner = (select auth.uid()));
grant all on public.rf_tags, public.rf_book_tags, public.rf_authors, public.rf_books, public.rf_profiles, public.rf_notes, public.rf_log to anon, authenticated, service_role;
grant usage on sequence public.rf_books_id_seq, public.rf_log_id_seq to anon, authenticated, service_role;
revoke all on public.rf_secrets from anon, authenticated;

insert into public.rf_authors (id, name, country, meta, tags) values
  (1, 'Ursula', 'US', '{"born": 1929, "awards": {"hugo": 5}}', '{scifi,fantasy}'),
  (2, 'Stanislaw', 'PL', '{"born": 1921}', '{scifi}'),
  (3, 'Tove', 'FI', '{"born": 1914}', '{children}'),
  (4, 'Anonymous', null, '{}', '{}');
insert into public.rf_books (title, author_id, editor_id, pages, status, data) values
  ('The Dispossessed', 1, 2, 387, 'published', '{"series": "Hainish"}'),
  ('The Left Hand of Darkness', 1, null, 304, 'published', '{"series": "Hainish"}'),
  ('Solaris', 2, 1, 204, 'published', '{}'),
  ('The Cyberiad', 2, null, 295, 'draft', '{}'),
  ('Moominland Midwinter', 3, null, 165, 'published', '{"series": "Moomins"}'),
  ('Untitled, (draft)', null, null, null, 'draft', '{}');
insert into public.rf_profiles (author_id, bio) values (1, 'Earthsea and beyond');
insert into public.rf_tags values (1, 'classic'), (2, 'short');
insert into public.rf_book_tags values (1, 1), (3, 1), (3, 2), (5, 2);
update public.rf_books set in_print = (id <> 4) where id <= 4;

create view public.rf_book_list with (security_invoker = true) as
  select b.id as book_id, b.title, b.author_id, upper(b.status) as shouting from public.rf_books b;
grant select on public.rf_book_list to anon, authenticated;

create schema rf_api;
grant usage on schema rf_api to anon, authenticated, service_role;
create table rf_api.rf_books (code text primary key);
insert into rf_api.rf_books values ('api-only');
grant select on rf_api.rf_books to anon;

create function public.rf_add(a int, b int default 1) returns int language sql immutable as $$ select a + b $$;
create function public.rf_books_by(author int) returns setof public.rf_books language sql stable
  as $$ select * from public.rf_books where author_id = author order by id $$;
create function public.rf_author_card(author int) returns table (name text, books bigint) language sql stable
  as $$ select a.name, (select count(*) from public.rf_books b where b.author_id = a.id) from public.rf_authors a where a.id = author $$;
create function public.rf_first_author() returns public.rf_authors language sql stable
  as $$ select * from public.rf_authors order by id limit 1 $$;
create function public.rf_numbers(n int) returns setof int language sql immutable as $$ select generate_series(1, n) $$;
create function public.rf_noop() returns void language sql as $$ select $$;
create function public.rf_whoami() returns jsonb language sql stable as $$
  select jsonb_build_object('role', current_user, 'sub', auth.uid(), 'method', current_setting('request.method', true),
    'path', current_setting('request.path', true), 'readonly', current_setting('transaction_read_only'),
    'search_path', current_setting('search_path'), 'timeout', current_setting('statement_timeout'),
    'agent', current_setting('request.headers', true)::jsonb ->> 'x-test-agent')
$$;
create function public.rf_fail() returns int language plpgsql as $$
begin raise exception 'boom' using detail = 'some detail', hint = 'some hint'; end $$;
create function public.rf_teapot() returns int language plpgsql as $$
begin raise sqlstate 'PT418' using message = 'I am a teapot'; end $$;
create function public.rf_greet(name text) returns text language sql immutable as $$ select 'hello ' || name $$;
create function public.rf_greet(name text, greeting text) returns text language sql immutable as $$ select greeting || ' ' || name $$;
create function public.rf_write_log(message text) returns int language sql volatile
  as $$ insert into public.rf_log (message) values (message) returning id $$;
create function public.rf_created() returns void language sql as $$
  select set_config('response.status', '201', true), set_config('response.headers', '[{"Location": "/rf_books?id=eq.1"}]', true)
$$;
create function public.rf_bad_guc() returns boolean language sql as $$ select set_config('response.status', 'abc', true) is not null $$;
create function public.rf_payment_required() returns void language plpgsql as $$
begin
  raise sqlstate 'PGRST' using
    message = '{"code":"123","message":"Payment Required","details":"Quota exceeded","hint":"Upgrade your plan"}',
    detail = '{"status":402,"headers":{"X-Powered-By":"Nerd Rage"}}';
end $$;
create function public.rf_sum(ids int[]) returns bigint language sql immutable as $$ select sum(x) from unnest(ids) x $$;
create function public.rf_echo(payload jsonb) returns jsonb language sql immutable as $$ select payload $$;

-- Computed fields (a function of one row, selected, filtered and ordered like a column) and computed
-- relationships (a function of one row returning another table's rows: to-many, `rows 1` or one row: to-one).
create function public.rf_label(public.rf_authors) returns text language sql stable
  as $$ select $1.name || ' (' || coalesce($1.country, '?') || ')' $$;
create function public.rf_book_count(public.rf_authors) returns bigint language sql stable
  as $$ select count(*) from public.rf_books b where b.author_id = $1.id $$;
create function public.rf_published(public.rf_authors) returns setof public.rf_books language sql stable
  as $$ select * from public.rf_books b where b.author_id = $1.id and b.status = 'published' order by b.id $$;
create function public.rf_longest(public.rf_authors) returns setof public.rf_books rows 1 language sql stable
  as $$ select * from public.rf_books b where b.author_id = $1.id order by b.pages desc nulls last limit 1 $$;
create function public.rf_writer(public.rf_books) returns public.rf_authors language sql stable
  as $$ select * from public.rf_authors a where a.id = $1.author_id $$;

-- A self-referencing foreign key: `rf_staff(...)` embeds the reports (children), `manager_id(...)` the manager.
create table public.rf_staff (id int primary key, name text not null, manager_id int references public.rf_staff (id));
grant select on public.rf_staff to anon, authenticated;
insert into public.rf_staff values (1, 'Ada', null), (2, 'Brian', 1), (3, 'Chen', 1), (4, 'Dana', 2);

-- A view over rf_authors: PostgREST infers rf_books.author_id -> rf_author_names, yet an embed named by the
-- column (`author_id(...)`) still means the table, because a view is never the target of a column or key name.
create view public.rf_author_names with (security_invoker = true) as select a.id, a.name from public.rf_authors a;
grant select on public.rf_author_names to anon, authenticated;

-- Overloads: two with the same argument name and other types (ambiguous), one with a defaulted second
-- argument beside a one-argument overload (ambiguous for one argument), and functions of one unnamed argument.
create function public.rf_pick(a int) returns text language sql immutable as $$ select 'int ' || a $$;
create function public.rf_pick(a text) returns text language sql immutable as $$ select 'text ' || a $$;
create function public.rf_scale(x int) returns int language sql immutable as $$ select x * 10 $$;
create function public.rf_scale(x int, factor int default 2) returns int language sql immutable as $$ select x * factor $$;
create function public.rf_describe(json) returns text language sql immutable as $$ select json_typeof($1) || ': ' || $1::text $$;
create function public.rf_shout(text) returns text language sql immutable as $$ select upper($1) $$;
create function public.rf_not_callable(int, int) returns int language sql immutable as $$ select $1 + $2 $$;

-- RPC results to count and to limit (a set, a set of scalars, a void writer).
create function public.rf_all_books() returns setof public.rf_books language sql stable as $$ select * from public.rf_books order by id $$;
create function public.rf_retitle_drafts(suffix text) returns setof public.rf_books language sql volatile
  as $$ update public.rf_books set title = title || suffix where status = 'draft' returning * $$;
create function public.rf_log_twice(message text) returns void language sql volatile
  as $$ insert into public.rf_log (message) values (message), (message) $$;

-- The access mode of a POST call (PostgREST's txMode): read write for a volatile function only; a stable function
-- that calls a writer fails in its read-only transaction.
create function public.rf_tx_read_only() returns text language sql volatile as $$ select current_setting('transaction_read_only') $$;
create function public.rf_stable_log(message text) returns int language sql stable as $$ select public.rf_write_log(message) $$;
