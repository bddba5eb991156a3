-- queue_list_client_idx (client_id, created_at desc, id desc) read backwards serves the export's ascending keyset too;
-- a second copy of the same key only costs every insert and status change a write.
drop index if exists public.queue_export_idx;
