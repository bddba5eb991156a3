-- lead broadcasts: the lead grid shows each lead's contact state (last contacted, opted out), which any admin's
-- send or opt-out changes; an admin's queue topic only carries their own items, so another admin's send would
-- stay "Never contacted" on their screen until a reload. A statement trigger on leads sends one private message
-- per statement on the client's leads topic, whatever the number of members listening:
--   leads:client:<client_id>   every member of the client (members read all of the client's leads)
-- Only changes of the contact state are sent (edits, imports and tags are not), with the first 100 lead ids; a
-- longer statement says `truncated` and the grid reloads the list.

create function private.leads_topic(client_id uuid) returns text
language sql immutable
set search_path = ''
as $$ select 'leads:client:' || client_id::text $$;

create function private.broadcast_lead_contact() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.send(
    jsonb_build_object('operation', 'UPDATE', 'count', t.row_count, 'ids', to_jsonb(t.some_ids[1:100]), 'truncated', t.row_count > 100),
    'leads', private.leads_topic(t.client_id), true)
  from (
    select n.client_id, count(*) as row_count, array_agg(n.id order by n.id) as some_ids
      from new_rows n
      join old_rows o on o.id = n.id
     where n.last_contacted_at is distinct from o.last_contacted_at or n.opted_out_at is distinct from o.opted_out_at
     group by n.client_id
  ) t;
  return null;
end
$$;

create trigger leads_broadcast_contact after update on public.leads
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.broadcast_lead_contact();

-- Who may listen: every member of the client (the same people "members read their client's leads" lets read
-- the rows). Nobody may broadcast on it (no insert policy).
create policy "members listen to their client's leads topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension = 'broadcast'
    and (select realtime.topic()) in (select private.leads_topic(c) from private.member_client_ids() c)
  );

revoke all on function private.broadcast_lead_contact() from public, anon, authenticated;
revoke all on function private.leads_topic(uuid) from public, anon;
grant execute on function private.leads_topic(uuid) to authenticated, service_role;
