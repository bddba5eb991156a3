import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '@shared/database.ts';
import { trackedFetch } from './apiHealth';
import { parseSupabaseEnv } from './env';

const env = parseSupabaseEnv(import.meta.env);

/** The one Supabase client of the app, typed by the generated schema; only services import it. */
export const supabase: SupabaseClient<Database> = createClient<Database>(env.VITE_SUPABASE_URL, env.VITE_SUPABASE_ANON_KEY, {
  auth: { persistSession: true, autoRefreshToken: true, storageKey: 'lq.auth' },
  global: { fetch: trackedFetch },
});

/** Where the API is, for the few calls supabase-js cannot shape (a response body kept as a Blob). */
export const supabaseApi = { url: env.VITE_SUPABASE_URL, anonKey: env.VITE_SUPABASE_ANON_KEY };
