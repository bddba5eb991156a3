import { test, expect } from '@playwright/test';
import { expectNoSeriousA11yViolations, jerusalemDay, login, makePendingItemsDue, nextLocal, pinNow, queueAs, resetQueueState, runProcessor, screenshot, sinkBehaves } from '../support/e2e.ts';

const MONDAY = nextLocal('monday', true);

test.describe('queue flow', () => {
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    await login(page, 'test@test.test');
    await pinNow(page, MONDAY);
    await page.goto('/admin/queue-management');
    // The first load of the lazy admin page can take a while on a busy machine.
    await expect(page.getByTestId('queue-depth')).toHaveText('0', { timeout: 30_000 });
  });

  test('honest Send at: a time already past is refused on the spot; after an add the field is back to as soon as possible', async ({ page }) => {
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

  test('honest Send at: queueing while processing is paused says so in the toast', async ({ page }) => {
    await page.getByTestId('processing-toggle').click();
    await expect(page.getByTestId('processing-toggle')).toHaveText('Start processing');
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('queue-button').click();
    const toast = page.locator('.toast-success').last();
    await expect(toast).toContainText('1 lead added to queue');
    await expect(toast).toContainText('Processing is paused: nothing is sent until you start it.');
  });

  test('offers the next window after a refusal and queues there', async ({ page }) => {
    // The Saturday after the pinned Monday, 10:00 in the admin's zone, chosen as a day and a time.
    await page.getByTestId('scheduled-for').selectOption(jerusalemDay(MONDAY, 5));
    await page.getByTestId('scheduled-time').selectOption('10:00');
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('queue-button').click();
    const error = page.locator('.toast-error');
    await expect(error).toContainText('business closed');
    await error.getByRole('button', { name: 'Schedule for the next window' }).click();
    await expect(page.locator('.toast-success')).toContainText('1 lead added to queue');
    await expect(page.getByTestId('queue-depth')).toHaveText('1');
  });

  test('a processor run moves the items to sent and the page shows it without reload', async ({ page }) => {
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('lead-checkbox-2').click();
    await page.getByTestId('queue-button').click();
    await expect(page.locator('.toast-success')).toContainText('2 leads added to queue');
    await expect(page.getByTestId('queue-depth')).toHaveText('2');
    await expect(page.getByTestId('live-indicator')).toHaveText('Live');

    await makePendingItemsDue();
    await runProcessor(new Date(new Date(MONDAY).getTime() + 60_000).toISOString());

    const items = page.getByTestId('queue-item');
    await expect(items.filter({ has: page.locator('[data-status="sent"]') })).toHaveCount(2);
    await expect(page.getByTestId('queue-depth')).toHaveText('0');
  });

  test('cancel a pending item and retry a failed one', async ({ page }) => {
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('lead-checkbox-2').click();
    await page.getByTestId('queue-button').click();
    await expect(page.getByTestId('queue-depth')).toHaveText('2');

    // The Agent DB refuses the first webhook for good: that item fails.
    await sinkBehaves({ status: 400, times: 1 });
    await page.getByTestId('cancel-item').first().click();
    await expect(page.locator('.toast-success').last()).toContainText('1 item cancelled');
    await expect(page.locator('[data-testid="queue-item"][data-status="cancelled"]')).toHaveCount(1);
    await expect(page.getByTestId('queue-depth')).toHaveText('1');

    await makePendingItemsDue();
    await runProcessor(new Date(new Date(MONDAY).getTime() + 60_000).toISOString());
    const failed = page.locator('[data-testid="queue-item"][data-status="failed"]');
    await expect(failed).toHaveCount(1);
    await expect(failed.getByRole('alert')).toBeVisible();

    await failed.getByTestId('retry-item').click();
    await expect(page.locator('.toast-success').last()).toContainText('1 item sent back to the queue');
    await expect(page.locator('[data-testid="queue-item"][data-status="pending"]')).toHaveCount(1);
    await expect(page.getByTestId('queue-depth')).toHaveText('1');
  });

  test('the manager sees Demo\'s queue read-only and nothing of Other', async ({ browser }) => {
    test.setTimeout(120_000); // a second sign-in, three tabs and an axe pass
    const demoIds = await queueAs('test@test.test', 2, MONDAY);
    const otherIds = await queueAs('other@test.test', 3, MONDAY);
    expect(demoIds).toHaveLength(2);
    expect(otherIds).toHaveLength(3);

    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, 'manager@test.test');
    await page.goto('/admin/queue-management');
    // A fresh context's first load of the lazy admin page: at load 15 it took over the default 10 s.
    await expect(page.getByTestId('read-only-notice')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('queue-item')).toHaveCount(2);
    await expectNoSeriousA11yViolations(page, 'queue management (manager)');
    await screenshot(page, 'queue-management-manager-en');
    await expect(page.getByTestId('queue-depth')).toHaveText('2');
    // The manager joined the client's private topic: live, not polling.
    await expect(page.getByTestId('live-indicator')).toHaveText('Live');
    await expect(page.getByTestId('lead-count')).toHaveText('60 leads');
    await page.getByTestId('lead-search').fill('Other Lead');
    await expect(page.getByTestId('leads-empty')).toBeVisible();
    for (const control of ['queue-button', 'priority-select', 'processing-toggle', 'cancel-item', 'lead-checkbox-1']) {
      await expect(page.getByTestId(control)).toHaveCount(0);
    }
    await page.getByRole('tab', { name: 'Settings' }).click();
    await expect(page.getByText('Only admins can change settings.')).toBeVisible();
    await expect(page.getByLabel('Daily target')).toBeDisabled();
    await expect(page.getByTestId('save-settings')).toHaveCount(0);
    await page.getByRole('tab', { name: 'Metrics' }).click();
    await expect(page.getByTestId('performance-table').or(page.getByTestId('performance-empty'))).toBeVisible();
    await expect(page.getByText('other@test.test')).toHaveCount(0);
    await expect(page.getByTestId('performance-row')).toHaveCount(1);
    await context.close();
  });
});
