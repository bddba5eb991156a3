import { readFile } from 'node:fs/promises';
import { withClient } from '../../connections.ts';
import { applyBootstrap } from '../../migrate.ts';
import { clusterGlobalSetup } from '../../testing/cluster.ts';

/**
 * One throwaway PostgreSQL cluster for the package's contract tests, and a template database each test file
 * clones: bootstrap.sql (what Supabase's image has) and the package's own fixture schema, no app migrations.
 */
export default clusterGlobalSetup({
  template: 'ls_fixture_template',
  async prepare(url) {
    await applyBootstrap(url);
    const fixture = await readFile(new URL('fixture.sql', import.meta.url), 'utf8');
    await withClient(url, (client) => client.query(fixture));
  },
});
