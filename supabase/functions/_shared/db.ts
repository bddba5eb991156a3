import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';

export interface SupabaseEnv {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
}

type ExtraOptions = Pick<SupabaseClientOptions<'public'>, 'realtime'>;

const noSession = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } as const;

/** Bypasses RLS: only for the processor's RPCs and the audit log. */
export function serviceClient(env: SupabaseEnv, extra: ExtraOptions = {}): SupabaseClient {
  return createClient(env.url, env.serviceRoleKey, { auth: noSession, ...extra });
}

/** Acts as the caller: their Authorization is forwarded, so Postgres applies RLS to every query. */
export function userClient(env: SupabaseEnv, authorization: string, extra: ExtraOptions = {}): SupabaseClient {
  return createClient(env.url, env.anonKey, {
    auth: noSession,
    global: { headers: { Authorization: authorization } },
    ...extra,
  });
}

/** The `take_rate_tokens` RPC as a plain function, so limiters stay testable and isolate-safe. */
export function rateTokenCaller(client: SupabaseClient) {
  return async (bucket: string, wanted: number, perHour: number): Promise<number> => {
    const { data, error } = await client.rpc('take_rate_tokens', { bucket, wanted, per_hour: perHour });
    if (error) throw new Error(`take_rate_tokens failed: ${error.message}`);
    return Number(data ?? 0);
  };
}
