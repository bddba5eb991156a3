-- Fixes the benchmarks call for, in sections (`-- == section: <name> ==`) that the dashboard suite
-- applies to a copy of the database and measures before/after. Everything found so far has shipped in
-- supabase/migrations (batch path, sharded metrics rollup, dashboard indexes and visible-set aggregates,
-- the redundant client FK; then the engine's fast path: claim straight to processing, the one-statement
-- claim, audit foreign keys as delete triggers). Nothing is pending here now.

-- == section: dashboard ==
