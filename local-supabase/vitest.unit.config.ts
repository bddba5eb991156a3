import { defineConfig } from 'vitest/config';

/**
 * The package's unit tests (parsers, filters), no database. From the repository root the root config's
 * `unit` project runs these same files; this config is for `npm test` inside the package.
 */
export default defineConfig({
  test: {
    name: 'local-supabase-unit',
    root: import.meta.dirname,
    environment: 'node',
    include: ['**/__tests__/*.test.ts'],
    exclude: ['node_modules/**', 'tests/**'],
  },
});
