-- Fixes the benchmarks call for, in sections (`-- == section: <name> ==`) that the engine and dashboard
-- suites apply to a copy of the database and measure before/after. The first round (batch path,
-- sharded metrics rollup, dashboard indexes and visible-set aggregates, the redundant client FK) has been
-- shipped in supabase/migrations; nothing is pending here now.

-- == section: engine ==

-- == section: dashboard ==
