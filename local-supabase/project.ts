import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The Supabase project the stack serves: the nearest folder, from the working directory up, that holds
 * `supabase/config.toml` (as the Supabase CLI finds its project), or SUPABASE_WORKDIR when set.
 */
export function projectDir(from = process.cwd()): string {
  const explicit = process.env.SUPABASE_WORKDIR;
  if (explicit) return path.resolve(explicit);
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'supabase', 'config.toml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

/** A file of the project's `supabase/` folder. */
export function supabasePath(...parts: string[]): string {
  return path.join(projectDir(), 'supabase', ...parts);
}

/** The Deno binary the `deno` npm package installed (a dependency of this package). */
export function denoBinary(): string {
  const manifest = createRequire(import.meta.url).resolve('deno/package.json');
  return path.join(path.dirname(manifest), 'deno');
}
