-- A day whose hours fall inside a DST gap (e.g. 02:27-03:26 in Europe/Berlin on the spring-forward Sunday) opens and
-- closes at the same instant: that is no window, so the search goes on to the next day instead of answering an empty
-- range (which read as "no window within 400 days"). businessRules.ts nextBusinessWindow skips it the same way.
create or replace function private.next_window(s public.user_queue_settings, from_at timestamptz) returns tstzrange
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
      if closes_at > greatest(opens_at, from_at) then
        return tstzrange(greatest(opens_at, from_at), closes_at);
      end if;
    end if;
    day := day + 1;
  end loop;
  return null;
end
$$;
