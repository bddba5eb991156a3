-- il calendar eves: the eves of a yom tov that hebcal does not name "Erev …" (Hoshana Raba before Shmini Atzeret, the sixth day
-- of Pesach before the seventh). businessRules.ts has always counted them as erev chag (short days with short_erev_chag);
-- SQL now agrees, and scripts/gen-holidays.ts prints them with the rest.
insert into public.calendar_closed_days (calendar, day, name, kind) values
  ('IL', '2024-04-28', 'Erev Pesach VII', 'erev'),
  ('IL', '2024-10-23', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2025-04-18', 'Erev Pesach VII', 'erev'),
  ('IL', '2025-10-13', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2026-04-07', 'Erev Pesach VII', 'erev'),
  ('IL', '2026-10-02', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2027-04-27', 'Erev Pesach VII', 'erev'),
  ('IL', '2027-10-22', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2028-04-16', 'Erev Pesach VII', 'erev'),
  ('IL', '2028-10-11', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2029-04-05', 'Erev Pesach VII', 'erev'),
  ('IL', '2029-09-30', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2030-04-23', 'Erev Pesach VII', 'erev'),
  ('IL', '2030-10-18', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2031-04-13', 'Erev Pesach VII', 'erev'),
  ('IL', '2031-10-08', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2032-04-01', 'Erev Pesach VII', 'erev'),
  ('IL', '2032-09-26', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2033-04-19', 'Erev Pesach VII', 'erev'),
  ('IL', '2033-10-14', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2034-04-09', 'Erev Pesach VII', 'erev'),
  ('IL', '2034-10-04', 'Erev Shmini Atzeret', 'erev'),
  ('IL', '2035-04-29', 'Erev Pesach VII', 'erev'),
  ('IL', '2035-10-24', 'Erev Shmini Atzeret', 'erev')
on conflict (calendar, day) do nothing;
