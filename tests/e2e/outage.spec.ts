import { test, expect } from '@playwright/test';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { ANON_KEY } from '../../local-supabase/keys.ts';
import { PASSWORD } from '../support/seed.ts';
import { login, nextLocal, pinNow, resetQueueState, screenshot, STACK_URL } from '../support/e2e.ts';

const API = [`${STACK_URL}/rest/v1/**`, `${STACK_URL}/auth/v1/**`, `${STACK_URL}/functions/v1/**`];

test.beforeEach(async () => {
  await resetQueueState();
});

test('API down for 10 seconds: the badge says offline, the banners come, and both clear by themselves when it is back', async ({ page }) => {
  await login(page, 'test@test.test');
  await page.goto('/admin/queue-management');
  const badge = page.getByTestId('live-indicator');
  await expect(page.getByTestId('lead-row-1')).toBeVisible({ timeout: 30_000 });
  await expect(badge).toHaveText('Live');

  for (const url of API) await page.route(url, (route) => route.abort('connectionrefused'));
  const blockedAt = Date.now();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(badge).toHaveText('Offline — the server cannot be reached; retrying');
  await expect(page.getByText('Could not load: The server could not be reached. Check your connection.').first()).toBeVisible();
  await screenshot(page, 'outage-queue-management-en-desktop');
  await page.waitForTimeout(Math.max(0, 10_000 - (Date.now() - blockedAt)));
  for (const url of API) await page.unroute(url);

  // Nobody clicks anything: the retries find the API again.
  await expect(page.getByText(/Could not load/)).toHaveCount(0, { timeout: 45_000 });
  await expect(badge).toHaveText('Live');
  await expect(page.getByTestId('queue-depth')).toHaveText('0');
});

test('a session revoked elsewhere lands on the sign-in with a sentence, and signing in comes back to the same page', async ({ page }) => {
  await login(page, 'test@test.test');
  // An open hour in the browser: it checks the window itself before calling the server, and would refuse a closed one.
  await pinNow(page, nextLocal('monday', true));
  await page.goto('/admin/queue-management');
  await expect(page.getByTestId('lead-row-1')).toBeVisible({ timeout: 30_000 });

  // Another device signs this user out everywhere (GoTrue's global logout ends every session).
  const elsewhere = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: WebSocket as never } });
  const { error } = await elsewhere.auth.signInWithPassword({ email: 'test@test.test', password: PASSWORD });
  expect(error).toBeNull();
  expect((await elsewhere.auth.signOut({ scope: 'global' })).error).toBeNull();

  // The next action is refused (401, whatever the hour: the function checks the session first); the app
  // asks the auth server, finds the session gone, and says so.
  await page.getByTestId('lead-checkbox-1').click();
  await page.getByTestId('queue-button').click();
  await expect(page.getByTestId('session-ended')).toHaveText('Your session has ended. Sign in again to go back to where you were.');
  await expect(page).toHaveURL(/\/login$/);
  await screenshot(page, 'session-ended-en-desktop');

  await page.fill('[name="email"]', 'test@test.test');
  await page.fill('[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await expect(page).toHaveURL(/\/admin\/queue-management$/);
  await expect(page.getByRole('heading', { name: 'Queue management' })).toBeVisible();
});
