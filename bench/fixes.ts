/** Reads one `-- == section: <name> ==` block of bench/proposed-fixes.sql. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../local-supabase/migrate.ts';

export async function proposedFixes(section: string): Promise<string> {
  const text = await readFile(path.join(ROOT, 'bench', 'proposed-fixes.sql'), 'utf8');
  const parts = text.split(/^-- == section: ([a-z]+) ==$/m);
  for (let i = 1; i < parts.length; i += 2) if (parts[i] === section) return parts[i + 1] ?? '';
  throw new Error(`no section ${section} in bench/proposed-fixes.sql`);
}
