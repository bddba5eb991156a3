-- A walked search (over 5,000 matching leads) at 1,000,000 items, from the plans at that size: the page walked the
-- caller's keyset range and looked each row's lead up (a leads probe and the queue's policy, about 8 us a row), and
-- 'Lead 1''s first match is 16,700 rows down the manager's list (133-196 ms). private.queue_list_keys keeps, for each
-- item, the list's order key, its owner and its lead's lowercased name and phone, so a walk is an index-only scan that
-- tests the lead in the index entry (well under 1 us a row). A side table, not columns of the queue: its rows are
-- written when an item is queued, deleted, or changes owner, and when a lead is renamed, never by a send (a send's
-- update writes every index of the queue, since status is indexed and no update is HOT). No index of the queue is
-- added or dropped; an enqueue writes one more row (three index entries) per item, in one INSERT per statement.

create table private.queue_list_keys (
  id uuid not null,
  client_id uuid not null,
  user_id uuid not null,
  created_at timestamptz not null,
  lead_id uuid not null,
  lead_name text not null,
  lead_phone text not null
);
alter table private.queue_list_keys enable row level security;
revoke all on table private.queue_list_keys from public, anon, authenticated;

insert into private.queue_list_keys (id, client_id, user_id, created_at, lead_id, lead_name, lead_phone)
select q.id, q.client_id, q.user_id, q.created_at, q.lead_id, lower(l.name), l.phone
  from public.whatsapp_message_queue q join public.leads l on l.id = q.lead_id;

-- A manager's walk (client-wide) and an admin's (one range per owner), in the list's order; the keys and the owner
-- ride along so the walk never reads the table's heap.
create index queue_list_keys_client_idx on private.queue_list_keys (client_id, created_at desc, id desc) include (user_id, lead_name, lead_phone);
create index queue_list_keys_owner_idx on private.queue_list_keys (client_id, user_id, created_at desc, id desc) include (lead_name, lead_phone);
-- A renamed lead's items.
create index queue_list_keys_lead_idx on private.queue_list_keys (lead_id);

-- The keys of a statement's new items, and the removal of its deleted ones (whole statements, as the counters do).
create function private.keep_queue_list_keys() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.queue_list_keys (id, client_id, user_id, created_at, lead_id, lead_name, lead_phone)
    select n.id, n.client_id, n.user_id, n.created_at, n.lead_id, lower(l.name), l.phone
      from new_rows n join public.leads l on l.id = n.lead_id;
  else
    delete from private.queue_list_keys k using old_rows o
     where k.client_id = o.client_id and k.created_at = o.created_at and k.id = o.id;
  end if;
  return null;
end
$$;
revoke all on function private.keep_queue_list_keys() from public, anon, authenticated;

create trigger queue_list_keys_insert after insert on public.whatsapp_message_queue
  referencing new table as new_rows for each statement execute function private.keep_queue_list_keys();
create trigger queue_list_keys_delete after delete on public.whatsapp_message_queue
  referencing old table as old_rows for each statement execute function private.keep_queue_list_keys();

-- An item taken over from a departed admin moves to its new owner's range. Fires only for an UPDATE that sets user_id
-- (a send never does).
create function private.move_queue_list_key() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update private.queue_list_keys k set user_id = new.user_id
   where k.client_id = new.client_id and k.created_at = new.created_at and k.id = new.id;
  return null;
end
$$;
revoke all on function private.move_queue_list_key() from public, anon, authenticated;

create trigger queue_list_keys_owner after update of user_id on public.whatsapp_message_queue
  for each row when (old.user_id is distinct from new.user_id) execute function private.move_queue_list_key();

-- A renamed lead (or a changed phone) is found under its new name at once. Fires only for an UPDATE that sets name or
-- phone (the processor's last_contacted_at and the agent's reply marks never do).
create function private.rename_queue_list_keys() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update private.queue_list_keys k set lead_name = lower(new.name), lead_phone = new.phone where k.lead_id = new.id;
  return null;
end
$$;
revoke all on function private.rename_queue_list_keys() from public, anon, authenticated;

create trigger leads_queue_list_keys after update of name, phone on public.leads
  for each row when (old.name is distinct from new.name or old.phone is distinct from new.phone)
  execute function private.rename_queue_list_keys();

-- After a bulk load with triggers off (the bench's fixture), as private.recount_queue_statuses is for the counters.
create function private.rebuild_queue_list_keys() returns void
language sql security definer
set search_path = ''
as $$
  truncate private.queue_list_keys;
  insert into private.queue_list_keys (id, client_id, user_id, created_at, lead_id, lead_name, lead_phone)
  select q.id, q.client_id, q.user_id, q.created_at, q.lead_id, lower(l.name), l.phone
    from public.whatsapp_message_queue q join public.leads l on l.id = q.lead_id;
$$;
revoke all on function private.rebuild_queue_list_keys() from public, anon, authenticated;
