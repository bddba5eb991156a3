-- The service role's search. private.search_lead_ids and private.lead_estimate answered a caller who is not a member of
-- the client with no leads, and the service role is a member of none: queue_list_counts(client, term) as the service role
-- counted 0 in every status, and a narrow term's page was empty, while the same calls without a term (private.list_scope:
-- the service role sees the whole client) and a broad term's walk answered the client's items. The membership check now
-- lets the service role through, as RLS does (it bypasses it); for everyone else it is unchanged.
-- private.queue_list_ranges (the page without a term) read the service role as an admin with no user id: its page held
-- only departed admins' items. It now reads the whole client, as private.list_scope does.
-- tests/db/queue-list-service-role.test.ts compares the service role's pages and counts with the manager's.

create or replace function private.lead_estimate(for_client uuid, term text) returns numeric
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  plan jsonb;
begin
  if (select auth.role()) is distinct from 'service_role' and for_client not in (select private.member_client_ids()) then
    return 0;
  end if;
  execute format('explain (format json) select 1 from public.leads l where l.client_id = %L and %s like %L', for_client,
                 case when m.by_phone then 'l.phone' else 'l.search_key' end,
                 case when m.by_phone then m.pattern else private.search_like(private.search_key(term)) end) into plan;
  return (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
end
$$;


create or replace function private.search_lead_ids(for_client uuid, term text, cap integer) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  digits text := private.search_phone_digits(term);
  seen bigint;
  ids uuid[];
begin
  if (select auth.role()) is distinct from 'service_role' and for_client not in (select private.member_client_ids()) then
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

create or replace function private.queue_list_ranges(for_client uuid, filter text, limit_param text, out inner_sql text, out owners uuid[])
language plpgsql stable
set search_path = ''
as $$
begin
  if (select auth.role()) = 'service_role' or for_client in (select private.manager_client_ids()) then
    inner_sql := format('select q.* from public.whatsapp_message_queue q where %s order by q.created_at desc, q.id desc limit %s', filter, limit_param);
  else
    owners := array[(select auth.uid())] || array(select d.user_id from private.departed_owners() d where d.client_id = for_client);
    inner_sql := format(
      'select q.* from unnest($7::uuid[]) o(owner_id)
         cross join lateral (select q.* from public.whatsapp_message_queue q
                              where %s and q.user_id = o.owner_id order by q.created_at desc, q.id desc limit %s) q
        order by q.created_at desc, q.id desc limit %2$s', filter, limit_param);
  end if;
end
$$;

