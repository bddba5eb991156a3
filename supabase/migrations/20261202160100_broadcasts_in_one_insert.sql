-- broadcasts in one insert: the queue's and the leads' statement triggers sent one message per topic through
-- realtime.send, which per call runs a PL/pgSQL function, opens a subtransaction (its exception block), EXECUTEs a
-- SET LOCAL of realtime.topic and inserts one row; a processor step of 10 pairs, each its own client, made 20 such calls
-- (10 queue topics, 10 leads topics). Hosted Realtime reads Broadcast from the database as rows of realtime.messages
-- (logical replication of its inserts, Supabase's Broadcast guide), whoever inserts them, so each trigger now inserts
-- all of its statement's messages in one INSERT ... SELECT.
-- * The messages are the same: realtime.send's columns (private, extension 'broadcast'), the message id added to the
--   payload as realtime.send adds it, one message per topic and statement, the same topics and payloads.
-- * realtime.send's failure rule holds: a failed insert is a warning, never an error in the queue's statement (one
--   exception block for the whole statement's messages instead of one per message).
-- * realtime.topic is not set: it is read by insert policies only, and these triggers insert as their owner, as
--   realtime.send did when they called it (no insert policy lets anyone else broadcast on these topics).

create or replace function private.broadcast_queue_rows(event text, operation text, rows jsonb) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  with messages as materialized (
    -- Materialized: one id per message, drawn once per row (a volatile call the planner must not share).
    select gen_random_uuid() as id, t.topic, t.row_count, t.some_rows
      from (
        select private.queue_topic(r.client_id) as topic, count(*) as row_count,
               array_agg(r.value order by r.value ->> 'id', r.value ->> 'user_id') as some_rows
          from (select (x ->> 'client_id')::uuid as client_id, x as value from jsonb_array_elements(rows) x) r
         where exists (select 1 from public.client_members m where m.client_id = r.client_id and m.role = 'manager')
         group by r.client_id
        union all
        select private.queue_topic(r.client_id, r.user_id), count(*),
               array_agg(r.value order by r.value ->> 'id', r.value ->> 'user_id')
          from (select (x ->> 'client_id')::uuid as client_id, (x ->> 'user_id')::uuid as user_id, x as value
                  from jsonb_array_elements(rows) x) r
          join public.client_members m on m.client_id = r.client_id and m.user_id = r.user_id and m.role = 'admin'
         group by r.client_id, r.user_id
      ) t
  )
  insert into realtime.messages (id, payload, event, topic, private, extension)
  select m.id,
         jsonb_build_object('operation', operation, 'count', m.row_count, 'rows', to_jsonb(m.some_rows[1:100]),
           'truncated', m.row_count > 100, 'id', m.id),
         event, m.topic, true, 'broadcast'
    from messages m;
exception
  when others then raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
end
$$;

create or replace function private.broadcast_lead_contact() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  with messages as materialized (
    select gen_random_uuid() as id, t.client_id, t.row_count, t.some_ids
      from (
        select n.client_id, count(*) as row_count, array_agg(n.id order by n.id) as some_ids
          from new_rows n
          join old_rows o on o.id = n.id
         where n.last_contacted_at is distinct from o.last_contacted_at or n.opted_out_at is distinct from o.opted_out_at
         group by n.client_id
      ) t
  )
  insert into realtime.messages (id, payload, event, topic, private, extension)
  select m.id,
         jsonb_build_object('operation', 'UPDATE', 'count', m.row_count, 'ids', to_jsonb(m.some_ids[1:100]),
           'truncated', m.row_count > 100, 'id', m.id),
         'leads', private.leads_topic(m.client_id), true, 'broadcast'
    from messages m;
  return null;
exception
  when others then
    raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
    return null;
end
$$;
