-- shard size 25: PostgreSQL's CPU per send is what caps the default pace on 2 cores, and part of it is paid once per
-- step whatever the number of sends it carries (the queue's statement triggers: audit, metrics, status counts,
-- Broadcast; the plan of each statement). At 2 s a step carries about one send per pair, so a step's costs were shared
-- by 10 sends. bench/processor-pg-profile.ts 400 2000 --direct (the backend's own CPU) measured it at 10 and 25 pairs;
-- the function's side stays under half of the hosted 2 s: a pair sends up to 29 times in the 57 s claim window, 25 × 29
-- sends at 0.72-0.75 ms (bench/processor-profile.ts 40, warm) plus the cold start's extra is about 0.7 s of CPU.
-- README "Production topology" has the arithmetic.
alter table private.processor_config alter column shard_size set default 25;
update private.processor_config set shard_size = 25;
