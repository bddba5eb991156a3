-- drop unused queue indexes: every update that moves a queue item to a new status is non-HOT (status is indexed), so it
-- inserts into every index whose predicate the new row meets: a send (pending -> processing -> sent) wrote 13 and 11 of
-- the queue's 19 indexes. Two of them no statement of the app reads. bench/queue-index-audit.ts ran each statement (list
-- pages, tabs, searches and counts, outlook, drain, export, status, admin status, alerts, throughput, performance,
-- capacity, spread preview and enqueue, enqueue, the processor's lease, step, lapsed-lease step and claim_queue_batch,
-- pause, purge, a user's and leads' deletion; as admin, manager, service role) on the 1M-row fixture
-- (bench/outlook-profile.ts 1000000) with pg_stat_user_indexes before and after, then again with the two dropped:
-- * idx_queue_status_priority (status, priority desc, scheduled_for), the spec's sketch of the claim order: scanned by
--   none. The claims read queue_claim_idx / queue_claim_user_idx / queue_outlook_pair_idx (pending only), the lapsed
--   leases queue_lease_idx, the tabs the list indexes; every statement used the same indexes without it.
-- * idx_queue_user_id (user_id): scanned only by the cascade of an auth user's deletion (RI: delete ... where user_id
--   = $1). Without it that delete skip-scans queue_list_owner_idx (client_id, user_id, ...), one descent per client
--   (EXPLAIN ANALYZE at 1M rows: a Bitmap Index Scan on queue_list_owner_idx, 4 index searches, 24 ms for 19,608 rows,
--   was 8 ms on idx_queue_user_id; the whole delete 0.6-1.5 s either way). Every other read of an admin's items starts
--   from the client (RLS, the pair) or a partial index on user_id.
-- A send now writes 11 and 9 indexes. Kept, though a send writes them: queue_user_scheduled_idx (the spread's per-day
-- capacity and the claim's capacity count read it), queue_active_*/queue_finished_* (status, alerts, capacity, drain),
-- the list indexes and queue_lead_list_idx (list, search, export, a lead's deletion), queue_lease_idx and
-- queue_one_active_per_lead_idx. The pending-only indexes (queue_claim_idx, queue_claim_user_idx, queue_outlook_pair_idx,
-- queue_client_pending_created_idx) cost a send nothing: the claim moves the row out of their predicate.

drop index public.idx_queue_status_priority;
drop index public.idx_queue_user_id;
