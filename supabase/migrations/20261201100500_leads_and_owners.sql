-- leads and owners: a refusal is honoured and a lead's items are never lost silently.
-- * Opting a lead out (opted_out_at set, by an admin or by the Agent DB's lead_opted_out) cancels its pending and queued
--   items in the same transaction (error_code 'opted_out'), audited with who did it. Users may set opted_out_at but never
--   clear or move it; the service role may clear it, audited. No item can be inserted for an opted-out lead.
-- * A lead with waiting or in-flight items cannot be deleted (409); its ended items go with it, each deletion audited
--   (the audit trail stays, without the lead's personal data).
-- * Items of an admin who left the client (or became a manager) stay visible to its admins and managers; any admin of
--   the client takes them over (the only path that changes an item's owner) or cancels them.
-- * Edits of pending items are audited with old and new values and the editor; scheduled_for stays within bounds.
-- * A redelivery (an attempt sent again after its worker died with the webhook in flight) is marked on the item.

alter table public.leads add column last_replied_at timestamptz;
comment on column public.leads.last_replied_at is 'When the lead last wrote back (the Agent DB''s lead_replied): a lead in a live conversation is not cold-messaged.';

-- The current attempt was sent again after a worker died with the request in flight (set by claim_queue_batch).
alter table public.whatsapp_message_queue add column redelivery boolean not null default false;
comment on column public.whatsapp_message_queue.redelivery is
  'The current attempt re-sends one whose outcome is unknown (its worker died while the webhook was in flight); the Agent DB drops it by webhook-id when the first went through.';

-- processing -> cancelled: a lapsed in-flight item whose lead opted out meanwhile ends here instead of being sent again.
create or replace function private.is_legal_transition(from_status public.queue_item_status, to_status public.queue_item_status)
returns boolean
language sql immutable
set search_path = ''
as $$
  select from_status = to_status or (from_status, to_status) in (
    ('pending'::public.queue_item_status, 'queued'::public.queue_item_status),
    ('pending', 'cancelled'),
    ('pending', 'processing'),
    ('queued', 'processing'),
    ('queued', 'pending'),
    ('queued', 'failed'),
    ('queued', 'cancelled'),
    ('processing', 'sent'),
    ('processing', 'pending'),
    ('processing', 'failed'),
    ('processing', 'queued'),
    ('processing', 'cancelled'),
    ('sent', 'failed'),
    ('failed', 'pending')
  )
$$;

-- Owner changes only through take_over_queue_items (which sets lq.owner_change for its own statement). Users may move
-- scheduled_for only within the bounds enqueue_leads keeps: a few minutes of clock skew back, a year ahead.
create or replace function private.guard_queue_transition() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not private.is_legal_transition(old.status, new.status) then
    raise exception 'Illegal queue transition % -> %', old.status, new.status
      using errcode = 'LQ409', detail = 'illegal_transition', hint = 'See the state machine in DESIGN.md';
  end if;
  if new.lead_id <> old.lead_id or new.client_id <> old.client_id
     or (new.user_id <> old.user_id and coalesce(current_setting('lq.owner_change', true), '') <> 'take_over') then
    raise exception 'A queue item cannot move to another lead, client or admin'
      using errcode = 'LQ409', detail = 'immutable_owner';
  end if;
  if new.scheduled_for is distinct from old.scheduled_for and current_user in ('authenticated', 'anon')
     and (new.scheduled_for < now() - interval '5 minutes' or new.scheduled_for > now() + interval '1 year') then
    raise exception 'scheduled_for must be between now and one year ahead'
      using errcode = '22023', detail = 'invalid_input';
  end if;
  new.updated_at := now();
  return new;
end
$$;

-- Audit + metrics of updates: transitions (as before), an admin's edit of a pending item (old and new values; of the
-- template variables only their names, so no personal data outlives the lead in the log) and take-overs.
create or replace function private.record_queue_transitions() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, from_status, to_status, details)
  select n.client_id, n.user_id, auth.uid(), n.id,
         case
           when n.user_id <> o.user_id then 'taken_over'
           -- A dead worker's lease taken over: back to queued, or straight into processing (claimed with start_now).
           when o.status in ('queued', 'processing') and n.status in ('queued', 'processing')
                and (n.status = 'queued' or n.locked_by is distinct from o.locked_by) then 'lease_reclaimed'
           when n.status = o.status then 'edited'
           when n.status = 'queued' then 'claimed'
           -- From queued, or straight from pending when claimed with start_now (from_status says which).
           when n.status = 'processing' then 'started'
           when n.status = 'sent' then 'sent'
           when n.status = 'failed' and o.status = 'sent' then 'delivery_failed'
           when n.status = 'failed' then 'failed'
           when n.status = 'cancelled' then 'cancelled'
           when n.status = 'pending' and o.status = 'failed' then 'retried'
           when n.status = 'pending' and o.status = 'queued' and n.attempts < o.attempts then 'released'
           when n.status = 'pending' then 'retry_scheduled'
           else 'updated'
         end,
         o.status, n.status,
         case
           when n.user_id <> o.user_id then jsonb_build_object('previous_owner', o.user_id)
           when n.status = o.status and n.locked_by is not distinct from o.locked_by then jsonb_build_object(
             'old', jsonb_build_object('priority', o.priority, 'scheduled_for', o.scheduled_for, 'message_template', o.message_template,
                                       'variables', (select coalesce(jsonb_agg(k order by k), '[]') from jsonb_object_keys(o.message_variables) k)),
             'new', jsonb_build_object('priority', n.priority, 'scheduled_for', n.scheduled_for, 'message_template', n.message_template,
                                       'variables', (select coalesce(jsonb_agg(k order by k), '[]') from jsonb_object_keys(n.message_variables) k)),
             'variables_changed', n.message_variables is distinct from o.message_variables)
           else jsonb_strip_nulls(jsonb_build_object(
             'worker', coalesce(n.locked_by, o.locked_by),
             'attempts', n.attempts,
             'redelivery', case when n.redelivery then true end,
             'error_code', case when n.status in ('pending', 'failed', 'cancelled') then n.error_code end,
             'error', case when n.status in ('pending', 'failed', 'cancelled') then n.last_error end,
             'next_attempt_at', case when n.status = 'pending' then n.next_attempt_at end
           ))
         end
  from new_rows n
  join old_rows o on o.id = n.id
  where n.status <> o.status
     or (n.status in ('queued', 'processing') and n.locked_by is distinct from o.locked_by)
     or n.user_id <> o.user_id
     or (n.priority, n.scheduled_for, n.message_template) is distinct from (o.priority, o.scheduled_for, o.message_template)
     or n.message_variables is distinct from o.message_variables;

  insert into public.queue_performance_metrics as m (user_id, client_id, hour, shard, sent, failed, retried, cancelled, latency_ms_sum)
  select n.user_id, n.client_id, date_trunc('hour', coalesce(n.processed_at, now())), private.metrics_shard(),
         -- A delivery failure reported after 'sent' moves the item from sent to failed in the same hour.
         count(*) filter (where n.status = 'sent') - count(*) filter (where o.status = 'sent'),
         count(*) filter (where n.status = 'failed'),
         count(*) filter (where n.status = 'pending' and o.status in ('queued', 'processing') and n.attempts >= o.attempts),
         count(*) filter (where n.status = 'cancelled'),
         coalesce(sum((extract(epoch from n.processed_at - n.queued_at) * 1000)::bigint) filter (where n.status = 'sent'), 0)
           - coalesce(sum((extract(epoch from o.processed_at - o.queued_at) * 1000)::bigint) filter (where o.status = 'sent'), 0)
  from new_rows n
  join old_rows o on o.id = n.id
  where n.status <> o.status and n.status in ('sent', 'failed', 'pending', 'cancelled')
  group by 1, 2, 3
  on conflict (user_id, hour, shard) do update set
    sent = m.sent + excluded.sent,
    failed = m.failed + excluded.failed,
    retried = m.retried + excluded.retried,
    cancelled = m.cancelled + excluded.cancelled,
    latency_ms_sum = m.latency_ms_sum + excluded.latency_ms_sum;
  return null;
end
$$;

-- An opt-out is permanent for users: set it, never clear or move it. The service role may clear it (audited).
create function private.guard_opt_out() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.opted_out_at is not null and new.opted_out_at is distinct from old.opted_out_at then
    if current_user in ('authenticated', 'anon') then
      raise exception 'An opt-out cannot be undone: the lead asked not to be contacted'
        using errcode = '42501', detail = 'opt_out_permanent';
    end if;
  end if;
  return new;
end
$$;
create trigger leads_guard_opt_out before update of opted_out_at on public.leads
  for each row execute function private.guard_opt_out();

-- Setting opted_out_at cancels the lead's waiting items in the same transaction; clearing it (service role) is audited.
-- Who: the signed-in admin (actor_id), or the source and keyword the Agent DB's callback put in lq.opt_out (a jsonb).
create function private.apply_opt_out() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  source jsonb := coalesce(nullif(current_setting('lq.opt_out', true), '')::jsonb, jsonb_build_object('source', case when auth.uid() is null then 'service' else 'user' end));
  cancelled integer := 0;
begin
  if new.opted_out_at is not null and old.opted_out_at is null then
    update public.whatsapp_message_queue q
       set status = 'cancelled', locked_by = null, locked_until = null, error_code = 'opted_out', last_error = 'The lead opted out'
     where q.lead_id = new.id and q.status in ('pending', 'queued');
    get diagnostics cancelled = row_count;
    insert into public.queue_audit_log (client_id, user_id, actor_id, action, details)
    values (new.client_id, auth.uid(), auth.uid(), 'lead_opted_out', source || jsonb_build_object('lead_id', new.id, 'cancelled_items', cancelled));
  elsif new.opted_out_at is null and old.opted_out_at is not null then
    insert into public.queue_audit_log (client_id, user_id, actor_id, action, details)
    values (new.client_id, auth.uid(), auth.uid(), 'opt_out_cleared', jsonb_build_object('lead_id', new.id, 'opted_out_at', old.opted_out_at));
  end if;
  return null;
end
$$;
create trigger leads_apply_opt_out after update of opted_out_at on public.leads
  for each row when (old.opted_out_at is distinct from new.opted_out_at)
  execute function private.apply_opt_out();

-- No item for an opted-out lead, whoever inserts it (enqueue_leads skips them; this holds for the service role too).
create function private.refuse_opted_out_items() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from new_rows n join public.leads l on l.id = n.lead_id where l.opted_out_at is not null) then
    raise exception 'A lead that opted out cannot be queued' using errcode = 'LQ409', detail = 'opted_out';
  end if;
  return null;
end
$$;
create trigger whatsapp_message_queue_refuse_opted_out after insert on public.whatsapp_message_queue
  referencing new table as new_rows
  for each statement execute function private.refuse_opted_out_items();

-- A lead with waiting or in-flight items is not deleted (409); its ended items go with it, each deletion audited.
-- A deleted client takes everything along (its audit trail too), so then nothing is checked or logged.
create function private.guard_lead_delete() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.clients c where c.id = old.client_id) then
    return old;
  end if;
  if exists (select 1 from public.whatsapp_message_queue q where q.lead_id = old.id and q.status in ('pending', 'queued', 'processing')) then
    raise sqlstate 'PT409' using
      message = 'This lead has queue items waiting or in flight: cancel them (or let them finish) before deleting the lead',
      detail = 'lead_has_active_items';
  end if;
  insert into public.queue_audit_log (client_id, user_id, actor_id, queue_item_id, action, from_status, details)
  select q.client_id, q.user_id, auth.uid(), q.id, 'deleted', q.status,
         jsonb_build_object('reason', 'lead_deleted', 'lead_id', old.id)
    from public.whatsapp_message_queue q where q.lead_id = old.id;
  return old;
end
$$;
create trigger leads_guard_delete before delete on public.leads
  for each row execute function private.guard_lead_delete();

revoke all on function private.guard_opt_out(), private.apply_opt_out(), private.refuse_opted_out_items(), private.guard_lead_delete()
  from public, anon;
grant execute on function private.guard_opt_out() to authenticated, service_role;

-- Owners (client, admin) of items in the caller's admin clients who are no longer admins of that client: every admin
-- membership has a settings row, and it stays when the membership ends. Security definer: answers about the caller only.
create function private.departed_owners() returns table (client_id uuid, user_id uuid)
language sql stable security definer
set search_path = ''
as $$
  select s.client_id, s.user_id from public.user_queue_settings s
   where s.client_id in (select private.admin_client_ids())
     and not exists (select 1 from public.client_members m
                      where m.client_id = s.client_id and m.user_id = s.user_id and m.role = 'admin')
$$;
revoke all on function private.departed_owners() from public, anon;
grant execute on function private.departed_owners() to authenticated, service_role;

drop policy "admins read own items, managers their client's" on public.whatsapp_message_queue;
create policy "admins read own and departed admins' items, managers their client's" on public.whatsapp_message_queue
  for select to authenticated
  using (
    -- Own items while still a member of their client: an admin removed from a client stops reading its queue.
    (user_id = (select auth.uid()) and client_id in (select private.member_client_ids()))
    or client_id in (select private.manager_client_ids())
    or (client_id, user_id) in (select d.client_id, d.user_id from private.departed_owners() d)
  );

-- Any admin of the client takes over a departed admin's waiting, failed or lapsed in-flight items (then a lapsed one
-- is sent again as a redelivery by the new owner's processing).
create function private.take_over_departed_items(ids uuid[]) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  changed integer;
begin
  if not exists (select 1 from private.admin_client_ids()) then
    raise exception 'Only a client admin can take over queue items' using errcode = '42501', detail = 'forbidden';
  end if;
  perform set_config('lq.owner_change', 'take_over', true);
  update public.whatsapp_message_queue q set user_id = (select auth.uid())
   where q.id = any (ids)
     and (q.client_id, q.user_id) in (select d.client_id, d.user_id from private.departed_owners() d)
     and (q.status in ('pending', 'failed') or (q.status in ('queued', 'processing') and q.locked_until < now()));
  get diagnostics changed = row_count;
  perform set_config('lq.owner_change', '', true);
  return changed;
end
$$;
revoke all on function private.take_over_departed_items(uuid[]) from public, anon;
grant execute on function private.take_over_departed_items(uuid[]) to authenticated;

create function public.take_over_queue_items(ids uuid[]) returns integer
language sql
set search_path = ''
as $$ select private.take_over_departed_items(ids) $$;
revoke all on function public.take_over_queue_items(uuid[]) from public, anon;
grant execute on function public.take_over_queue_items(uuid[]) to authenticated;

-- Admins cancel their own waiting items and those a departed admin of their client left behind.
create or replace function private.cancel_own_queue_items(ids uuid[]) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  changed integer;
begin
  if not exists (select 1 from private.admin_client_ids()) then
    raise exception 'Only a client admin can cancel queue items' using errcode = '42501', detail = 'forbidden';
  end if;
  update public.whatsapp_message_queue q
     set status = 'cancelled', locked_by = null, locked_until = null
   where q.id = any (ids) and q.status in ('pending', 'queued')
     and ((q.user_id = (select auth.uid()) and q.client_id in (select private.admin_client_ids()))
          or (q.client_id, q.user_id) in (select d.client_id, d.user_id from private.departed_owners() d));
  get diagnostics changed = row_count;
  return changed;
end
$$;
