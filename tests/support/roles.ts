import type { SeedUser } from './seed.ts';

/** A caller as PostgREST sees it; importable outside vitest (bench/). */
export type Actor = 'anon' | 'service_role' | SeedUser | { id: string; email?: string };

export function claimsFor(actor: Actor): Record<string, unknown> {
  if (actor === 'anon') return { role: 'anon' };
  if (actor === 'service_role') return { role: 'service_role' };
  return { role: 'authenticated', sub: actor.id, email: actor.email ?? null, aud: 'authenticated' };
}
