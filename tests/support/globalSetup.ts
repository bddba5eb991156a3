import { resetDatabase } from '@leads-queue/local-supabase';
import { clusterGlobalSetup } from '@leads-queue/local-supabase/testing';

/** One throwaway PostgreSQL cluster per test run; a migrated + seeded template database each test file clones. */
export default clusterGlobalSetup({ template: 'lq_template', prepare: (url) => resetDatabase(url) });
