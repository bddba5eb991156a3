// The spec's two e2e tests, as written, with one change each: the pinned "now" is the next open
// Monday / the next Saturday, 10:00 in Jerusalem. A date in the past (the spec's 2024) would be
// judged from the server's real clock, so the suite would pass or fail by the day it runs.
import { test, expect } from '@playwright/test';
import { nextLocal, pinNow, resetQueueState } from '../support/e2e.ts';

test.describe('Queue Management E2E', () => {
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    await page.goto('/login');
    await page.fill('[name="email"]', 'test@test.test');
    await page.fill('[name="password"]', 'testtesttest');
    await page.click('button[type="submit"]');
    await page.waitForURL('/dashboard');
  });

  test('should queue leads successfully', async ({ page }) => {
    // Set time to a Monday, 10:00 (inside business hours)
    await pinNow(page, nextLocal('monday', true));

    await page.goto('/admin/queue-management');

    // Select leads
    await page.click('[data-testid="lead-checkbox-1"]');
    await page.click('[data-testid="lead-checkbox-2"]');

    // Set priority
    await page.click('[data-testid="priority-select"]');
    await page.click('[data-testid="priority-high"]');

    // Queue leads
    await page.click('[data-testid="queue-button"]');

    // Verify success
    await expect(page.locator('.toast-success')).toContainText('2 leads added to queue');
    await expect(page.locator('[data-testid="queue-depth"]')).toContainText('2');
  });

  test('should respect business hours', async ({ page }) => {
    // Set time to Saturday
    const saturday = nextLocal('saturday', false);
    await page.addInitScript((at) => {
      const pinned = new Date(at);
      Date.now = () => pinned.getTime();
    }, saturday);

    await page.goto('/admin/queue-management');
    await page.click('[data-testid="lead-checkbox-1"]');
    await page.click('[data-testid="queue-button"]');

    // Verify rejection
    await expect(page.locator('.toast-error')).toContainText('business closed');
  });
});
