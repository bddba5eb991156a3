-- Fixes the benchmarks call for, in sections (`-- == section: <name> ==`) that the engine and dashboard
-- suites apply to a copy of the database and measure before/after. The first round (batch path,
-- sharded metrics rollup, dashboard indexes and visible-set aggregates, the redundant client FK) has
-- shipped as supabase/migrations/20261128000800_performance.sql; nothing is pending here now.

-- == section: engine ==

-- == section: dashboard ==
