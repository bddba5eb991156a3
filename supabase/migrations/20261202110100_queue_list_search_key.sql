-- queue list search at 1,000,000 items (issue 11, item 5), from the plans at that size:
-- * Under RLS the trigram indexes were never used: LIKE is not leakproof, so PostgreSQL evaluates it only after the
--   leads' policy and every search read all of the client's leads (83,000 at 1M items: 150-500 ms). The trigram lookup
--   now runs as the owner (lead_search_candidates: ids only, of a client the caller belongs to) and the exact match
--   reads those leads as the caller, the policy applying.
-- * The name index held the hex of each name: sixteen letters make few distinct trigrams, each matching most leads.
--   search_key keeps ASCII letters and digits and writes each Hebrew letter as a Latin one, so pg_trgm (which under the
--   C locale knows only ASCII letters) sees words; a shared key only makes a candidate, the exact lower(name) LIKE decides.
-- * A term matching more than 5,000 of the client's leads is broad (see 20261202110200).
-- * A term under 3 characters is refused (search_too_short): no trigram narrows it and it matches nearly every lead.

create function private.search_key(value text) returns text
language sql immutable strict parallel safe
set search_path = ''
as $$ select translate(lower(value), 'אבגדהוזחטיכךלמםנןסעפףצץקרשת', 'abgdhvzxtykklmmnnsepfccqrwj') $$;
revoke all on function private.search_key(text) from public, anon;
grant execute on function private.search_key(text) to authenticated, service_role;

-- The index and lead_search_candidates spell search_key out: a function with a fixed search_path is never inlined,
-- and calling it for each candidate row cost more than the lookup (0.6 s for 11,000 candidates).
create index leads_name_key_idx on public.leads
  using gin (translate(lower(name), 'אבגדהוזחטיכךלמםנןסעפףצץקרשת', 'abgdhvzxtykklmmnnsepfccqrwj') extensions.gin_trgm_ops);
drop index public.leads_name_search_idx;
drop function private.search_hex(text);

-- Ids of the client's leads whose key (or phone) is LIKE the pattern, at most `cap` + 1 of them; empty unless the
-- caller belongs to the client. Runs as the owner only so that the trigram index can serve the LIKE.
create function private.lead_search_candidates(for_client uuid, pattern text, by_phone boolean, cap integer) returns uuid[]
language plpgsql stable security definer
set search_path = ''
as $$
declare
  ids uuid[];
begin
  if for_client not in (select private.member_client_ids()) then
    return '{}';
  end if;
  if by_phone then
    select array(select l.id from public.leads l where l.client_id = for_client and l.phone like pattern limit cap + 1) into ids;
  else
    select array(select l.id from public.leads l
                   where l.client_id = for_client
                     and translate(lower(l.name), 'אבגדהוזחטיכךלמםנןסעפףצץקרשת', 'abgdhvzxtykklmmnnsepfccqrwj') like pattern
                   limit cap + 1) into ids;
  end if;
  return ids;
end
$$;
revoke all on function private.lead_search_candidates(uuid, text, boolean, integer) from public, anon;
grant execute on function private.lead_search_candidates(uuid, text, boolean, integer) to authenticated, service_role;

-- How a search matches a lead: `phone` (the pattern is LIKE on leads.phone) or `name` (LIKE on lower(name)).
create function private.lead_match(term text, out by_phone boolean, out pattern text)
language plpgsql immutable
set search_path = ''
as $$
declare
  digits text := private.search_phone_digits(term);
begin
  if char_length(term) < 3 then
    raise exception 'search needs at least 3 characters' using errcode = '22023', detail = 'search_too_short';
  end if;
  by_phone := digits is not null;
  pattern := private.search_like(coalesce(digits, lower(term)));
end
$$;
revoke all on function private.lead_match(text) from public, anon;
grant execute on function private.lead_match(text) to authenticated, service_role;

-- The ids of the client's leads the caller may read that match the term, or null when more than 5,000 do (broad).
drop function private.matching_lead_ids(uuid, text);
create function private.matching_lead_ids(for_client uuid, term text) returns uuid[]
language plpgsql stable
set search_path = ''
as $$
declare
  m record := private.lead_match(term);
  candidates uuid[];
  ids uuid[];
begin
  candidates := private.lead_search_candidates(for_client, case when m.by_phone then m.pattern else private.search_like(private.search_key(term)) end, m.by_phone, 5000);
  if cardinality(candidates) > 5000 then
    return null;
  end if;
  execute format('select array(select l.id from public.leads l where l.id = any ($1) and %s like $2)', case when m.by_phone then 'l.phone' else 'lower(l.name)' end)
    into ids using candidates, m.pattern;
  return ids;
end
$$;
revoke all on function private.matching_lead_ids(uuid, text) from public, anon;
grant execute on function private.matching_lead_ids(uuid, text) to authenticated, service_role;

-- The search's items straight from the lead index: the match's items of the client, their order and RLS's columns are
-- all in it (an index-only scan), so a page of a search sorts those rows instead of walking the whole list in order.
create index queue_lead_list_idx on public.whatsapp_message_queue (lead_id) include (client_id, user_id, status, created_at, id);
drop index public.idx_queue_lead_id;
