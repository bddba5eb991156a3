import type { SupabaseClient } from '@supabase/supabase-js';

export interface Invocation {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; [key: string]: unknown } };
  headers: Headers;
}

/** supabase-js `functions.invoke`, unwrapped: the status and JSON body whether or not it was 2xx. */
export async function invoke(client: SupabaseClient, name: string, body: unknown, headers: Record<string, string> = {}): Promise<Invocation> {
  const { data, error, response } = await client.functions.invoke(name, { body: body as Record<string, unknown>, headers });
  if (!error) return { status: response?.status ?? 200, body: data as Invocation['body'], headers: response?.headers ?? new Headers() };
  const context = (error as { context?: Response }).context;
  if (!context || typeof context.status !== 'number') throw error;
  const text = await context.text();
  let parsed: Invocation['body'] = {};
  try {
    parsed = JSON.parse(text) as Invocation['body'];
  } catch {
    parsed = { raw: text };
  }
  return { status: context.status, body: parsed, headers: context.headers };
}
