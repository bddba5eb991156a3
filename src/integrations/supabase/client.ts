import { createClient } from '@supabase/supabase-js';
import type { Database } from '@shared/database.ts';
import { parseSupabaseEnv } from './env';

const env = parseSupabaseEnv(import.meta.env);

/** The one Supabase client of the app; only services import it. */
export const supabase = createClient<Database>(env.VITE_SUPABASE_URL, env.VITE_SUPABASE_ANON_KEY, {
  auth: { persistSession: true, autoRefreshToken: true, storageKey: 'lq.auth' },
});
