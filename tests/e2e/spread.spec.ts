import { test, expect } from '@playwright/test';
import { expectNoSeriousA11yViolations, login, nextLocal, pinNow, resetQueueState, screenshot, VIEWPORTS, withDatabase } from '../support/e2e.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID } from '../support/seed.ts';

const MONDAY = nextLocal('monday', true);

test.describe('spread, do not refuse', () => {
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    // A capacity of 2 a day: three leads do not fit the pinned Monday.
    await withDatabase((db) => db.query('update public.user_queue_settings set max_capacity = 2, daily_target = 2 where user_id = $1 and client_id = $2', [DEMO_ADMIN_ID, DEMO_CLIENT_ID]));
    await login(page, 'test@test.test');
    await pinNow(page, MONDAY);
  });

  for (const lang of ['en', 'he'] as const) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      test(`over capacity: the preview of the days, then all queued on confirmation (${lang}, ${size})`, async ({ page }) => {
        test.setTimeout(120_000);
        await page.setViewportSize(viewport);
        await page.goto('/admin/queue-management');
        if (lang === 'he') await page.getByLabel(/Language|שפה/).selectOption('he');
        await expect(page.getByTestId('queue-depth')).toHaveText('0', { timeout: 30_000 });
        for (const n of [1, 2, 3]) await page.getByTestId(`lead-checkbox-${n}`).click();
        await page.getByTestId('queue-button').click();
        const error = page.locator('.toast-error');
        await error.getByRole('button', { name: lang === 'en' ? 'Spread over the coming days' : 'פזר על פני הימים הבאים' }).click();
        const dialog = page.getByTestId('spread-dialog');
        const days = dialog.getByTestId('spread-plan').locator('li[data-day]');
        await expect(days).toHaveCount(2);
        await expect(days.first()).toContainText('2');
        await expect(days.last()).toContainText('1');
        await expectNoSeriousA11yViolations(page, `spread preview (${lang}, ${size})`);
        await screenshot(page, `spread-${lang}-${size}`, false);
        await dialog.getByTestId('spread-confirm').click();
        await expect(page.locator('.toast-success').last()).toContainText(lang === 'en' ? '3 leads spread over 2 days' : '3 לידים פוזרו על פני 2 ימים');
        await expect(page.getByTestId('queue-depth')).toHaveText('3');
      });
    }
  }
});
