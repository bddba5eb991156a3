/** Supabase's edge runtime keeps an isolate alive for promises handed to waitUntil; plain Deno needs nothing. */
declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void } | undefined;

export function runInBackground(promise: Promise<unknown>): void {
  const guarded = promise.catch((error: unknown) => console.error('background task failed', error));
  if (typeof EdgeRuntime !== 'undefined' && EdgeRuntime) EdgeRuntime.waitUntil(guarded);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
