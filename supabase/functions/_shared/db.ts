import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Database as Generated } from './database.ts';

export interface SupabaseEnv {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
}

type GeneratedFunctions = Generated['public']['Functions'];

/**
 * The generated schema, but for the one argument the processor passes null to: a SQL function argument is
 * nullable, the generator types it like a column (`complete_queue_item` stores a missing trigger id as null).
 */
type Database = Omit<Generated, 'public'> & {
  public: Omit<Generated['public'], 'Functions'> & {
    Functions: Omit<GeneratedFunctions, 'complete_queue_item'> & {
      complete_queue_item: {
        Args: Omit<GeneratedFunctions['complete_queue_item']['Args'], 'agent_trigger_id'> & { agent_trigger_id: string | null };
        Returns: GeneratedFunctions['complete_queue_item']['Returns'];
      };
    };
  };
};

/** supabase-js typed by the schema: queries and RPCs return the columns Postgres declares. */
export type DatabaseClient = SupabaseClient<Database>;

const noSession = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } as const;

/** Bypasses RLS: only for the processor's RPCs and the audit log. */
export function serviceClient(env: SupabaseEnv): DatabaseClient {
  return createClient<Database>(env.url, env.serviceRoleKey, { auth: noSession });
}

/** Acts as the caller: their Authorization is forwarded, so Postgres applies RLS to every query. */
export function userClient(env: SupabaseEnv, authorization: string): DatabaseClient {
  return createClient<Database>(env.url, env.anonKey, {
    auth: noSession,
    global: { headers: { Authorization: authorization } },
  });
}

/** The `take_rate_tokens` RPC as a plain function, so limiters stay testable and isolate-safe. */
export function rateTokenCaller(client: DatabaseClient) {
  return async (bucket: string, wanted: number, perHour: number): Promise<number> => {
    const { data, error } = await client.rpc('take_rate_tokens', { bucket, wanted, per_hour: perHour });
    if (error) throw new Error(`take_rate_tokens failed: ${error.message}`);
    return data ?? 0;
  };
}
