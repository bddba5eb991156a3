import { test, expect } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, login, nextLocal, pinNow, queueAs, resetQueueState, screenshot, VIEWPORTS } from '../support/e2e.ts';

const MONDAY = nextLocal('monday', true);

test.describe('why / when, history and cancel all', () => {
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    await queueAs('test@test.test', 3, MONDAY);
    await pinNow(page, MONDAY);
  });

  for (const lang of ['en', 'he'] as const) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      test(`each waiting item says why and when; the history dialog is accessible (${lang}, ${size})`, async ({ page }) => {
        test.setTimeout(120_000);
        await page.setViewportSize(viewport);
        await page.goto('/login');
        if (lang === 'he') await page.getByLabel('Language').selectOption('he');
        await login(page, 'test@test.test');
        await page.goto('/admin/queue-management');
        // The first load of the lazy admin page can take a while on a busy machine.
        await expect(page.getByTestId('waiting-reason')).toHaveCount(3, { timeout: 30_000 });
        // Queued for a Monday ahead of the database clock: each item waits for its schedule.
        for (const reason of await page.getByTestId('waiting-reason').all()) await expect(reason).toHaveAttribute('data-reason', 'scheduled');
        await expect(page.getByTestId('capacity-meter')).toBeVisible();
        await expectNoHorizontalOverflow(page, `queue list (${lang}, ${size})`);
        await screenshot(page, `outlook-${lang}-${size}`);
        await page.getByTestId('item-history').first().click();
        const dialog = page.getByRole('dialog');
        await expect(dialog.getByTestId('history-timeline').locator('li[data-action="enqueued"]')).toHaveCount(1);
        await expectNoSeriousA11yViolations(page, `history dialog (${lang}, ${size})`);
        await screenshot(page, `history-dialog-${lang}-${size}`, false);
      });
    }
  }

  test('cancel all asks first and cancels every waiting item', async ({ page }) => {
    await login(page, 'test@test.test');
    await page.goto('/admin/queue-management');
    await expect(page.getByTestId('queue-depth')).toHaveText('3', { timeout: 30_000 });
    await page.getByTestId('cancel-all').click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('Cancel all 3 waiting items?');
    await expectNoSeriousA11yViolations(page, 'cancel-all confirmation');
    await dialog.getByTestId('confirm-button').click();
    await expect(page.locator('.toast-success').last()).toContainText('3 items cancelled');
    await expect(page.getByTestId('queue-depth')).toHaveText('0');
  });
});
