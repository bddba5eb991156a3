import { test, expect } from '@playwright/test';
import { jerusalemDay, login, nextLocal, pinNow, resetQueueState, screenshot } from '../support/e2e.ts';

// 10:00 on an open Monday in Israel, pinned in the browser.
const MONDAY = nextLocal('monday', true);

test.describe('honest Send at', () => {
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    await login(page, 'test@test.test');
    await pinNow(page, MONDAY);
    await page.goto('/admin/queue-management');
    await expect(page.getByTestId('queue-depth')).toHaveText('0', { timeout: 30_000 });
  });

  test('a time already past is refused on the spot; after an add the field is back to as soon as possible', async ({ page }) => {
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('scheduled-for').selectOption(jerusalemDay(MONDAY));
    await page.getByTestId('scheduled-time').selectOption('09:00');
    await expect(page.getByTestId('send-at-past')).toHaveText('Send at is in the past: pick a later time, or “As soon as possible”.');
    await expect(page.getByTestId('queue-button')).toBeDisabled();
    await screenshot(page, 'send-at-past-en-desktop', false);

    await page.getByTestId('scheduled-time').selectOption('10:30');
    await expect(page.getByTestId('send-at-past')).toHaveCount(0);
    await page.getByTestId('queue-button').click();
    await expect(page.locator('.toast-success')).toContainText('1 lead added to queue');
    await expect(page.getByTestId('scheduled-for')).toHaveValue('');
    await expect(page.getByTestId('queue-depth')).toHaveText('1');
  });

  test('queueing while processing is paused says so in the toast', async ({ page }) => {
    await page.getByTestId('processing-toggle').click();
    await expect(page.getByTestId('processing-toggle')).toHaveText('Start processing');
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('queue-button').click();
    const toast = page.locator('.toast-success').last();
    await expect(toast).toContainText('1 lead added to queue');
    await expect(toast).toContainText('Processing is paused: nothing is sent until you start it.');
  });
});
