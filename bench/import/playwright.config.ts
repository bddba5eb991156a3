import { defineConfig } from '@playwright/test';
import base from '../../playwright.config.ts';

/** The e2e stack and app (see playwright.config.ts) in a data dir of its own, for the import bench only. */
export default defineConfig({
  ...base,
  testDir: '.',
  outputDir: '../../test-results/bench-import',
  timeout: 300_000,
  webServer: (Array.isArray(base.webServer) ? base.webServer : []).map((server) =>
    server.env?.LQ_DATA_DIR ? { ...server, env: { ...server.env, LQ_DATA_DIR: '.local/bench-import' } } : server,
  ),
});
