import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { databaseUrl, recreateDatabase, resetDatabase, startEmbeddedPostgres } from '@leads-queue/local-supabase';

const TEMPLATE_DB = 'lq_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
  }
}

/**
 * One throwaway PostgreSQL cluster per test run; a migrated + seeded template database each test file clones.
 * vitest 4.1 reports a throwing global setup as "No test files found" and still exits 0, which would turn
 * a broken database (a migration that fails, Postgres that cannot start) into a green run: fail it here.
 */
export default async function setup(project: TestProject) {
  try {
    return await startCluster(project);
  } catch (error) {
    console.error('database global setup failed:', error);
    process.exit(1);
  }
}

async function startCluster(project: TestProject) {
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
