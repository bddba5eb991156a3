import type { SupabaseClient } from '@supabase/supabase-js';

type ErrorBody = { error?: { code: string; message: string; [key: string]: unknown } };

export interface Invocation<Body = Record<string, unknown>> {
  status: number;
  /** The JSON the function answered, typed as what it answers on success (`Body`), with `error` when it refused. */
  body: Body & ErrorBody;
  headers: Headers;
}

/** supabase-js `functions.invoke`, unwrapped: the status and JSON body whether or not it was 2xx. */
export async function invoke<Body = Record<string, unknown>>(
  client: SupabaseClient,
  name: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Invocation<Body>> {
  const { data, error, response } = await client.functions.invoke(name, { body: body as Record<string, unknown>, headers });
  if (!error) return { status: response?.status ?? 200, body: data as Body & ErrorBody, headers: response?.headers ?? new Headers() };
  const context = (error as { context?: Response }).context;
  if (!context || typeof context.status !== 'number') throw error;
  const text = await context.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { raw: text };
  }
  return { status: context.status, body: parsed as Body & ErrorBody, headers: context.headers };
}
