-- window rules: the sending window in SQL, the same rules as supabase/functions/_shared/businessRules.ts (a property
-- test compares the two): weekday hours in the admin's zone, own closed dates, the IL calendar's closed days and the
-- optional short erev chag. Times compare as the spec compares them, by the local clock's HH:MM: a window is open from
-- the minute `start` names through the minute `end` names (09:00-17:00 takes 17:00:59 and refuses 17:01), "24:00"
-- through midnight. enqueue_leads refuses by them and offers the next window; the alerts read is_window_open.

-- One local date's plan: open from `opens` through the minute `closes` names, or closed with the spec's code and reason.
create function private.plan_day(s public.user_queue_settings, day date,
  out open boolean, out code text, out reason text, out opens text, out closes text)
language plpgsql stable
set search_path = ''
as $$
declare
  weekday text := (array['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'])[extract(dow from day)::integer + 1];
  rule jsonb := s.business_hours -> weekday;
  holiday text;
begin
  open := false;
  if rule is null or not coalesce((rule ->> 'enabled')::boolean, false) then
    code := 'business_closed';
    reason := format('Cannot schedule for %s - business closed', weekday);
    return;
  end if;
  if day = any (s.closed_dates) then
    code := 'business_closed';
    reason := format('Cannot schedule for %s - business closed', to_char(day, 'YYYY-MM-DD'));
    return;
  end if;
  if s.holiday_calendar = 'IL' then
    select c.name into holiday from public.calendar_closed_days c
     where c.calendar = 'IL' and c.day = plan_day.day and c.kind in ('yom_tov', 'modern');
    if found then
      code := 'holiday';
      reason := format('Cannot schedule on holidays (%s)', holiday);
      return;
    end if;
  end if;
  opens := case when rule ->> 'start' ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then rule ->> 'start' else '09:00' end;
  closes := case when rule ->> 'end' ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' then rule ->> 'end' else '17:00' end;
  if s.holiday_calendar = 'IL' and s.short_erev_chag and s.erev_chag_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
     and s.erev_chag_end collate "C" < closes collate "C"
     and exists (select 1 from public.calendar_closed_days c where c.calendar = 'IL' and c.day = plan_day.day and c.kind = 'erev') then
    closes := s.erev_chag_end;
  end if;
  if closes collate "C" < opens collate "C" then
    code := 'business_closed';
    reason := format('Cannot schedule for %s - business closed', weekday);
    return;
  end if;
  open := true;
end
$$;

-- Whether `at` is inside the window, and the spec's code and reason when it is not.
create function private.window_check(s public.user_queue_settings, at timestamptz,
  out allowed boolean, out code text, out reason text)
language plpgsql stable
set search_path = ''
as $$
declare
  local_at timestamp := at at time zone s.timezone;
  plan record;
  clock text := to_char(local_at, 'HH24:MI');
begin
  plan := private.plan_day(s, local_at::date);
  if not plan.open then
    allowed := false;
    code := plan.code;
    reason := plan.reason;
  elsif clock collate "C" < plan.opens collate "C" or (plan.closes <> '24:00' and clock collate "C" > plan.closes collate "C") then
    allowed := false;
    code := 'outside_business_hours';
    -- The spec says IST for Israel in every season; other zones are named as configured.
    reason := format('Outside business hours (%s-%s %s)', plan.opens, plan.closes,
      case when s.timezone = 'Asia/Jerusalem' then 'IST' else s.timezone end);
  else
    allowed := true;
  end if;
end
$$;

-- The first open stretch at or after `from` (its start is `from` itself when the window is open then), or null when no
-- day of the next 400 opens. Window edges are local times read as PostgreSQL reads them: a time in a DST gap takes the
-- offset before the jump, a repeated time the later occurrence (businessRules.ts zonedInstant does the same).
create function private.next_window(s public.user_queue_settings, from_at timestamptz) returns tstzrange
language plpgsql stable
set search_path = ''
as $$
declare
  day date := (from_at at time zone s.timezone)::date;
  plan record;
  opens_at timestamptz;
  closes_at timestamptz;
begin
  for i in 0..399 loop
    plan := private.plan_day(s, day);
    if plan.open then
      opens_at := (day + plan.opens::time) at time zone s.timezone;
      closes_at := case when plan.closes = '24:00' then (day + 1)::timestamp at time zone s.timezone
                        else ((day + plan.closes::time) at time zone s.timezone) + interval '1 minute' end;
      if closes_at > from_at then
        return tstzrange(greatest(opens_at, from_at), closes_at);
      end if;
    end if;
    day := day + 1;
  end loop;
  return null;
end
$$;

create or replace function private.is_window_open(s public.user_queue_settings, at timestamptz) returns boolean
language sql stable
set search_path = ''
as $$ select (private.window_check(s, at)).allowed $$;

revoke all on function private.plan_day(public.user_queue_settings, date), private.window_check(public.user_queue_settings, timestamptz),
  private.next_window(public.user_queue_settings, timestamptz) from public, anon;
grant execute on function private.plan_day(public.user_queue_settings, date), private.window_check(public.user_queue_settings, timestamptz),
  private.next_window(public.user_queue_settings, timestamptz) to authenticated, service_role;
