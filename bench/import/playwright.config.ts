import path from 'node:path';
import { defineConfig } from '@playwright/test';
import base from '../../playwright.config.ts';

const DIST = '.local/bench-import-dist';
// Playwright starts web servers in the config's folder; the stack and Vite run from the repository root.
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * The e2e stack in a data dir of its own and the app as users get it (the production build, served by `vite preview`),
 * for the import bench only: React's development build checks and logs far more on every render than the one shipped.
 */
export default defineConfig({
  ...base,
  testDir: '.',
  outputDir: '../../test-results/bench-import',
  timeout: 300_000,
  webServer: (Array.isArray(base.webServer) ? base.webServer : []).map((server) => {
    if (server.env?.LQ_DATA_DIR) return { ...server, cwd: ROOT, env: { ...server.env, LQ_DATA_DIR: '.local/bench-import' } };
    const port = new URL(String(server.url)).port;
    return {
      ...server,
      cwd: ROOT,
      command: `npx vite build --outDir ${DIST} --emptyOutDir --logLevel error && npx vite preview --outDir ${DIST} --port ${port} --strictPort --host 127.0.0.1`,
      timeout: 300_000,
    };
  }),
});
