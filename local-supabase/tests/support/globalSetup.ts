import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { withClient } from '../../connections.ts';
import { applyBootstrap, recreateDatabase } from '../../migrate.ts';
import { databaseUrl, startEmbeddedPostgres } from '../../postgres.ts';

const TEMPLATE_DB = 'ls_fixture_template';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtureServerUrl: string;
    fixtureTemplate: string;
  }
}

/**
 * One throwaway PostgreSQL cluster for the package's contract tests, and a template database each test file
 * clones: bootstrap.sql (what Supabase's image has) and the package's own fixture schema, no app migrations.
 * A failing setup must fail the run (vitest would report "No test files found" and exit 0).
 */
export default async function setup(project: TestProject) {
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ls-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
    await recreateDatabase(server.url, TEMPLATE_DB);
    const url = databaseUrl(server.url, TEMPLATE_DB);
    await applyBootstrap(url);
    const fixture = await readFile(new URL('fixture.sql', import.meta.url), 'utf8');
    await withClient(url, (client) => client.query(fixture));
    project.provide('fixtureServerUrl', server.url);
    project.provide('fixtureTemplate', TEMPLATE_DB);
    return async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  } catch (error) {
    console.error('local-supabase test setup failed:', error);
    process.exit(1);
  }
}
