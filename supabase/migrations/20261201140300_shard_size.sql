-- shard size from the processor bench (bench/results/latest.md, suite 7): about 4 ms of function CPU per send on the
-- bench machine and a pair sends up to 25 times in an invocation at the default pace (50 s budget, 2 s delay), so a
-- shard of 10 pairs is about 1 s of CPU: half of the hosted 2 s. README "Production topology" has the arithmetic.
alter table private.processor_config alter column shard_size set default 10;
update private.processor_config set shard_size = 10;
