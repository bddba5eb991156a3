-- private.send_bucket_level answered the outlook's walk one tick at a time (20261201160100); the outlook has written
-- the send budget's refill inline since 20261202190100 and nothing calls it any more.
drop function private.send_bucket_level(uuid, integer, timestamptz);
