// Landed migrations are write-once. Since the last squash (the newest commit that added today's oldest migration
// file, by name) no commit on HEAD's history may modify, delete or rename a file under supabase/migrations, and the
// working tree may not differ from HEAD for a committed one; adding migrations is how behaviour changes. A future
// squash writes new file names, so the baseline moves with it. Run by `npm test` (`npm run check:migrations`).
// The history check needs full history: a shallow clone fails unless LQ_SKIP_MIGRATION_HISTORY=1.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const MIGRATIONS = 'supabase/migrations';
const RULE = 'landed migrations are never edited: add a new migration';
const VERB: Record<string, string> = { M: 'modified', D: 'deleted', R: 'renamed', T: 'changed in type' };

export interface MigrationCheck {
  /** The squash commit the history is checked from, when there are committed migrations. */
  baseline?: string;
  /** One sentence per violation (empty when the check passes). */
  problems: string[];
  /** Set when the history part was skipped (LQ_SKIP_MIGRATION_HISTORY=1). */
  skippedHistory?: boolean;
}

function gitIn(cwd: string) {
  return async (...args: string[]) => (await promisify(execFile)('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** The changes to landed files in `<status>\t<path>[\t<new path>]` lines (a merge's status has a letter per parent). */
function edits(nameStatus: string): string[] {
  return nameStatus.split('\n').filter(Boolean).flatMap((line) => {
    const [status = '', file = '', renamedTo] = line.split('\t');
    if (/^A+$/.test(status)) return [];
    const letter = [...status].find((c) => c !== 'A') ?? status;
    return [`${file} was ${VERB[letter] ?? `changed (${status})`}${renamedTo ? ` to ${renamedTo}` : ''}`];
  });
}

export async function checkMigrations(cwd: string, options: { skipHistory?: boolean } = {}): Promise<MigrationCheck> {
  const git = gitIn(cwd);
  const problems: string[] = [];

  for (const edit of edits(await git('diff', '--name-status', '--find-renames', 'HEAD', '--', MIGRATIONS))) {
    problems.push(`${edit} in the working tree (not committed): ${RULE}.`);
  }

  if (options.skipHistory) return { problems, skippedHistory: true };
  if ((await git('rev-parse', '--is-shallow-repository')).trim() === 'true') {
    problems.push(
      'The migration history check needs the full git history, and this clone is shallow: run `git fetch --unshallow` ' +
        '(or set LQ_SKIP_MIGRATION_HISTORY=1 to skip it).',
    );
    return { problems };
  }

  const committed = (await git('ls-tree', '--name-only', 'HEAD', `${MIGRATIONS}/`)).split('\n').filter(Boolean).sort();
  const oldest = committed[0];
  if (!oldest) return { problems };
  // --no-renames: a squash file that git would pair with an old one as a rename is still the squash adding it.
  const baseline = (await git('log', '-n', '1', '--diff-filter=A', '--no-renames', '--format=%H', 'HEAD', '--', oldest)).trim();
  if (!baseline) throw new Error(`No commit on HEAD's history adds ${oldest}.`);

  // A merge counts only for what it changed against every parent (a conflict resolution), not for what it brings in.
  const log = await git('log', '--format=%x00%h "%s"', '--name-status', '--find-renames', '--diff-merges=dense-combined',
    `${baseline}..HEAD`, '--', MIGRATIONS);
  for (const entry of log.split('\0').filter(Boolean)) {
    const [commit = '', ...files] = entry.split('\n');
    for (const edit of edits(files.join('\n'))) {
      problems.push(`${edit} by commit ${commit}, after the last squash ${baseline.slice(0, 7)}: ${RULE}.`);
    }
  }
  return { baseline, problems };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const result = await checkMigrations(root, { skipHistory: process.env.LQ_SKIP_MIGRATION_HISTORY === '1' });
  for (const problem of result.problems) console.error(problem);
  if (result.problems.length > 0) process.exit(1);
  if (result.skippedHistory) console.log('migrations: working tree checked; history check skipped (LQ_SKIP_MIGRATION_HISTORY=1).');
  else console.log(`migrations: none edited since the last squash${result.baseline ? ` (${result.baseline.slice(0, 7)})` : ''}.`);
}
