import { defineConfig } from 'vitest/config';

/** The package's contract tests: its own PostgreSQL cluster and fixture schema, real supabase-js over HTTP. */
export default defineConfig({
  test: {
    name: 'local-supabase',
    root: import.meta.dirname,
    environment: 'node',
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/globalSetup.ts'],
    // The tests' own Supabase project (config.toml with the CLI's defaults), not the app's.
    env: { SUPABASE_WORKDIR: `${import.meta.dirname}/tests/project` },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
