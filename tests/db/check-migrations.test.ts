import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMigrations } from '../../scripts/check-migrations.ts';

const RULE = 'landed migrations are never edited: add a new migration';
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A real git repository in a temp dir, with helpers to write files and commit them. */
async function repository() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-migrations-'));
  made.push(dir);
  const git = async (...args: string[]) =>
    (await promisify(execFile)('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir })).stdout.trim();
  await git('init', '-q', '-b', 'main');
  const migration = (name: string) => path.join(dir, 'supabase', 'migrations', name);
  return {
    dir,
    git,
    async write(name: string, sql: string) {
      await mkdir(path.dirname(migration(name)), { recursive: true });
      await writeFile(migration(name), sql);
    },
    remove: (name: string) => unlink(migration(name)),
    async commit(message: string) {
      await git('add', '-A');
      await git('commit', '-q', '-m', message);
      return git('rev-parse', '--short=7', 'HEAD');
    },
  };
}

/** Two landed migrations edited before a squash, then the squash that replaces them. */
async function squashedRepository() {
  const repo = await repository();
  await repo.write('20260101000100_core.sql', 'create table a (id int);\n');
  await repo.write('20260101000200_api.sql', 'create function f() returns int language sql as $$ select 1 $$;\n');
  await repo.commit('first migrations');
  await repo.write('20260101000200_api.sql', 'create function f() returns int language sql as $$ select 2 $$;\n');
  await repo.commit('edits a landed migration (before the squash)');
  await repo.remove('20260101000100_core.sql');
  await repo.remove('20260101000200_api.sql');
  await repo.write('20261201000100_types.sql', 'create table a (id int);\n');
  await repo.write('20261201000200_api.sql', 'create function f() returns int language sql as $$ select 2 $$;\n');
  const squash = await repo.commit('squash');
  return { ...repo, squash };
}

describe('check-migrations: landed migrations are write-once since the last squash', () => {
  it('passes after a squash, whatever happened before it, and when new migrations are added', async () => {
    const repo = await squashedRepository();
    expect(await checkMigrations(repo.dir)).toEqual({ baseline: expect.stringMatching(new RegExp(`^${repo.squash}`)), problems: [] });
    await repo.write('20261210000100_more.sql', 'alter table a add column b int;\n');
    await repo.commit('a new migration');
    await repo.write('20261211000100_untracked.sql', 'select 1;\n');
    expect((await checkMigrations(repo.dir)).problems).toEqual([]);
  });

  it('fails when a commit after the squash modifies a landed migration, naming the file and the commit', async () => {
    const repo = await squashedRepository();
    await repo.write('20261201000200_api.sql', 'create function f() returns int language sql as $$ select 3 $$;\n');
    const edit = await repo.commit('tweak f');
    const { problems } = await checkMigrations(repo.dir);
    expect(problems).toEqual([
      `supabase/migrations/20261201000200_api.sql was modified by commit ${edit} "tweak f", after the last squash ${repo.squash}: ${RULE}.`,
    ]);
  });

  it('fails when a commit after the squash deletes or renames a landed migration', async () => {
    const repo = await squashedRepository();
    await repo.git('mv', 'supabase/migrations/20261201000200_api.sql', 'supabase/migrations/20261201000300_api.sql');
    const renamed = await repo.commit('rename');
    await repo.remove('20261201000300_api.sql');
    await repo.write('20261210000100_more.sql', 'select 1;\n');
    const deleted = await repo.commit('delete one, add one');
    const { problems } = await checkMigrations(repo.dir);
    expect(problems).toHaveLength(2);
    expect(problems).toContain(
      `supabase/migrations/20261201000200_api.sql was renamed to supabase/migrations/20261201000300_api.sql by commit ${renamed} "rename", after the last squash ${repo.squash}: ${RULE}.`,
    );
    expect(problems).toContain(
      `supabase/migrations/20261201000300_api.sql was deleted by commit ${deleted} "delete one, add one", after the last squash ${repo.squash}: ${RULE}.`,
    );
  });

  it('fails when the working tree changes a committed migration, and passes again once it is restored', async () => {
    const repo = await squashedRepository();
    await repo.write('20261201000100_types.sql', 'create table a (id bigint);\n');
    expect((await checkMigrations(repo.dir)).problems).toEqual([
      `supabase/migrations/20261201000100_types.sql was modified in the working tree (not committed): ${RULE}.`,
    ]);
    await repo.git('checkout', '--', 'supabase/migrations/20261201000100_types.sql');
    expect((await checkMigrations(repo.dir)).problems).toEqual([]);
  });

  it('a later squash resets the baseline: edits before it no longer count', async () => {
    const repo = await squashedRepository();
    await repo.write('20261201000200_api.sql', 'create function f() returns int language sql as $$ select 3 $$;\n');
    await repo.commit('edit after the first squash');
    expect((await checkMigrations(repo.dir)).problems).toHaveLength(1);
    await repo.remove('20261201000100_types.sql');
    await repo.remove('20261201000200_api.sql');
    await repo.write('20270101000100_schema.sql', 'create table a (id int);\ncreate function f() returns int language sql as $$ select 3 $$;\n');
    const second = await repo.commit('second squash');
    expect(await checkMigrations(repo.dir)).toEqual({ baseline: expect.stringMatching(new RegExp(`^${second}`)), problems: [] });
  });

  it('a merge counts for what it changes itself, not for the squash it brings in from the other side', async () => {
    const repo = await repository();
    await repo.write('20260101000100_core.sql', 'create table a (id int);\n');
    await repo.commit('first migration');
    await repo.git('checkout', '-q', '-b', 'feature');
    await repo.write('20261210000100_feature.sql', 'alter table a add column b int;\n');
    await repo.commit('feature migration');
    await repo.git('checkout', '-q', 'main');
    await repo.remove('20260101000100_core.sql');
    await repo.write('20261201000100_types.sql', 'create table a (id int);\n');
    await repo.commit('squash');
    await repo.git('checkout', '-q', 'feature');
    await repo.git('merge', '-q', '--no-edit', 'main');
    expect((await checkMigrations(repo.dir)).problems).toEqual([]);
  });

  it('refuses a shallow clone with a clear message, unless the history check is skipped', async () => {
    const repo = await squashedRepository();
    await repo.write('20261210000100_more.sql', 'select 1;\n');
    await repo.commit('after the squash');
    const shallow = path.join(repo.dir, '..', `${path.basename(repo.dir)}-shallow`);
    made.push(shallow);
    await repo.git('clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow);
    const { problems } = await checkMigrations(shallow);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/needs the full git history.*shallow.*git fetch --unshallow.*LQ_SKIP_MIGRATION_HISTORY=1/);
    expect(await checkMigrations(shallow, { skipHistory: true })).toEqual({ problems: [], skippedHistory: true });
  });
});
