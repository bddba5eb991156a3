import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, databaseUrl } from '../../local-supabase/postgres.ts';
import { recreateDatabase, resetDatabase } from '../../local-supabase/migrate.ts';

export const TEMPLATE_DB = 'lq_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
  }
}

/** One throwaway PostgreSQL cluster per test run; a migrated + seeded template database each test file clones. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
  await recreateDatabase(server.url, TEMPLATE_DB);
  await resetDatabase(databaseUrl(server.url, TEMPLATE_DB));
  project.provide('pgServerUrl', server.url);
  project.provide('pgTemplate', TEMPLATE_DB);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
