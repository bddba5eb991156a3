import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = {
  '@': path.resolve(import.meta.dirname, 'src'),
  '@shared': path.resolve(import.meta.dirname, 'supabase/functions/_shared'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          environment: 'node',
          include: ['{src,supabase/functions/_shared,local-supabase,agent-db}/**/__tests__/*.test.ts'],
        },
      },
      {
        // Component tests reach their helpers (renderApp, the service fakes) as @tests/support/app.
        resolve: { alias: { ...alias, '@tests/support/app': path.resolve(import.meta.dirname, 'tests/support/app') } },
        test: {
          name: 'ui',
          environment: 'jsdom',
          include: ['src/**/*.test.tsx'],
          setupFiles: ['tests/support/app/setup.ts'],
          // The browser's zone is the demo admin's, as for most users; tests of another zone say so.
          env: { TZ: 'Asia/Jerusalem' },
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'db',
          environment: 'node',
          include: ['tests/db/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // The local stack's own contract tests, with their own cluster and fixture schema.
      'local-supabase/vitest.config.ts',
    ],
  },
});
