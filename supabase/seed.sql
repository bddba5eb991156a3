-- Demo data: client "Demo" (admin test@test.test, manager manager@test.test) with 60 leads,
-- client "Other" (admin other@test.test) with 10 leads. Password for all: testtesttest.
-- Written like `supabase db reset` expects, so it also works on a real Supabase project.

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
       extensions.crypt('testtesttest', extensions.gen_salt('bf')), now(),
       '{"provider":"email","providers":["email"]}', jsonb_build_object('full_name', u.full_name), now(), now(),
       '', '', '', ''
from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'test@test.test', 'Dana Levi'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'manager@test.test', 'Moshe Cohen'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'other@test.test', 'Rina Katz')
) as u(id, email, full_name)
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), 'email', now(), now(), now()
from auth.users u
where u.id in ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003')
on conflict (provider_id, provider) do nothing;

insert into public.clients (id, name, whatsapp_number) values
  ('11111111-1111-4111-8111-111111111111', 'Demo', '+972523000000'),
  ('22222222-2222-4222-8222-222222222222', 'Other', '+972524000000')
on conflict (id) do nothing;

-- Admin memberships create each admin's settings row with the spec's defaults (trigger).
insert into public.client_members (client_id, user_id, role) values
  ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'admin'),
  ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000002', 'manager'),
  ('22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000003', 'admin')
on conflict do nothing;

-- The demo admin's queue runs, so a newcomer sees queued leads go out inside business hours.
update public.user_queue_settings set processing_state = 'running'
 where user_id = 'a0000000-0000-4000-8000-000000000001';

-- 60 Demo leads: Israeli mobile numbers in E.164; the last three opted out, a few contacted before.
insert into public.leads (id, client_id, name, phone, email, opted_out_at, last_contacted_at, created_at)
select md5('demo-lead-' || n)::uuid,
       '11111111-1111-4111-8111-111111111111',
       (array['Avi', 'Batya', 'Chen', 'Dalia', 'Eitan', 'Galit', 'Hila', 'Itai', 'Keren', 'Lior',
              'Maya', 'Noam', 'Ofir', 'Rotem', 'Shira', 'Tal', 'Uri', 'Yael', 'Ziv', 'Adi'])[1 + (n - 1) % 20]
         || ' ' ||
       (array['Cohen', 'Levi', 'Mizrahi', 'Peretz', 'Biton', 'Dahan', 'Avraham', 'Friedman', 'Azoulay', 'Katz',
              'Yosef', 'Amar', 'Ohana', 'Shapiro', 'Ben-David'])[1 + (n * 7) % 15],
       '+9725' || (array['0', '2', '3', '4', '8'])[1 + n % 5] || lpad((1000000 + n * 7919)::text, 7, '0'),
       'lead' || n || '@example.com',
       case when n > 57 then now() - interval '30 days' end,
       case when n % 9 = 0 then now() - make_interval(days => n) end,
       timestamptz '2026-01-01 08:00:00+00' + make_interval(mins => n)
from generate_series(1, 60) as n
on conflict (id) do nothing;

insert into public.leads (id, client_id, name, phone, email, created_at)
select md5('other-lead-' || n)::uuid,
       '22222222-2222-4222-8222-222222222222',
       'Other Lead ' || n,
       '+97254' || lpad((2000000 + n * 104729)::text, 7, '0'),
       'other' || n || '@example.com',
       timestamptz '2026-01-01 08:00:00+00' + make_interval(mins => n)
from generate_series(1, 10) as n
on conflict (id) do nothing;

-- Templates: every client has 'initial_outreach' (no variables) from the moment it exists; Demo also invites to events.
insert into public.message_templates (client_id, name, variables, description) values
  ('11111111-1111-4111-8111-111111111111', 'initial_outreach', '{}', 'The first message to a lead'),
  ('22222222-2222-4222-8222-222222222222', 'initial_outreach', '{}', 'The first message to a lead'),
  ('11111111-1111-4111-8111-111111111111', 'event_invite', '{event_name,event_date}', 'An invitation to an event')
on conflict (client_id, name) do nothing;
