import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { ANON_KEY, freePort } from '@leads-queue/local-supabase';

/**
 * Browser e2e against a freshly seeded local stack (real Postgres, gateway, Deno functions) and
 * the Vite dev server, each on its own free port so a developer's `npm start` keeps running.
 * Ports are picked once by the runner and handed to the workers through the environment.
 */
interface E2ePorts {
  stack: number;
  db: number;
  sink: number;
  mail: number;
  app: number;
}

async function ports(): Promise<E2ePorts> {
  if (process.env.LQ_E2E_PORTS) return JSON.parse(process.env.LQ_E2E_PORTS) as E2ePorts;
  const picked = { stack: await freePort(), db: await freePort(), sink: await freePort(), mail: await freePort(), app: await freePort() };
  process.env.LQ_E2E_PORTS = JSON.stringify(picked);
  return picked;
}

const port = await ports();
export const STACK_URL = `http://127.0.0.1:${port.stack}`;
const APP_URL = `http://127.0.0.1:${port.app}`;
const DIST = '.local/e2e-dist';
process.env.LQ_E2E_STACK_URL = STACK_URL;
process.env.LQ_E2E_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port.db}/leads_queue`;

// Debian's Chromium where present (no browser download needed); Playwright's own elsewhere.
const systemChromium = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  // One stack, one seed: tests share the database and reset the queue themselves, so run them in order.
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]] : 'list',
  use: {
    baseURL: APP_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    timezoneId: 'Asia/Jerusalem',
    locale: 'en-GB',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1366, height: 900 },
        launchOptions: {
          executablePath: systemChromium,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
  ],
  webServer: [
    {
      name: 'stack',
      // The package's bin, as `npm run stack` calls it (the cron stand-in stays off: the tests drive the processor).
      command: 'npx local-supabase stack --reset --agent-sink',
      env: {
        LQ_DATA_DIR: '.local/e2e',
        STACK_PORT: String(port.stack),
        DB_PORT: String(port.db),
        AGENT_SINK_PORT: String(port.sink),
        MAIL_PORT: String(port.mail),
        // Tests pin the browser's clock up to weeks ahead (the next open Monday) and supabase-js judges a token's
        // expiry by that clock: an hour-long token would look expired at once and the page would wait on refreshes.
        SUPABASE_AUTH_JWT_EXPIRY: String(60 * 24 * 3600),
      },
      wait: { stdout: /ready/ },
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: process.env.LQ_E2E_VERBOSE ? 'pipe' : 'ignore',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
    {
      name: 'app',
      // The production build, as users get it: one bundle a page instead of the dev server's hundreds of modules,
      // fetched again by every fresh browser context. LQ_E2E_DEV=1 runs the dev server instead, for quick edits.
      command: process.env.LQ_E2E_DEV
        ? `npx vite --port ${port.app} --strictPort --host 127.0.0.1`
        : `npx vite build --outDir ${DIST} --emptyOutDir --logLevel error && npx vite preview --outDir ${DIST} --port ${port.app} --strictPort --host 127.0.0.1`,
      env: { VITE_SUPABASE_URL: STACK_URL, VITE_SUPABASE_ANON_KEY: ANON_KEY },
      url: APP_URL,
      timeout: 300_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});
