import { test, expect } from '@playwright/test';
import {
  expectNoHorizontalOverflow,
  expectNoSeriousA11yViolations,
  expectRightOf,
  login,
  resetQueueState,
  screenshot,
  VIEWPORTS,
  withDatabase,
} from '../support/e2e.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID } from '../support/seed.ts';

// The demo admin is made an admin of a second business for these tests only: the header then offers the client picker.
test.beforeEach(async () => {
  await resetQueueState();
  await withDatabase((db) => db.query(`insert into public.client_members (client_id, user_id, role) values ($1, $2, 'admin') on conflict do nothing`, [OTHER_CLIENT_ID, DEMO_ADMIN_ID]));
});

test.afterEach(async () => {
  await withDatabase(async (db) => {
    await db.query('delete from public.client_members where client_id = $1 and user_id = $2', [OTHER_CLIENT_ID, DEMO_ADMIN_ID]);
    await db.query('delete from public.user_queue_settings where client_id = $1 and user_id = $2', [OTHER_CLIENT_ID, DEMO_ADMIN_ID]);
  });
});

for (const lang of ['en', 'he'] as const) {
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    test(`the header's client picker and the settings' time-zone list in ${lang} at ${size} size: fit, mirror, axe clean, captured`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize(viewport);
      const check = async (name: string) => {
        await expectNoHorizontalOverflow(page, `${name} (${lang}, ${size})`);
        await expectNoSeriousA11yViolations(page, `${name} (${lang}, ${size})`);
        await screenshot(page, `${name}-${lang}-${size}`, false);
      };
      await page.goto('/login');
      if (lang === 'he') await page.getByLabel('Language').selectOption('he');
      await login(page, 'test@test.test');
      const picker = page.getByTestId('client-picker');
      await expect(picker).toBeVisible();
      await expect(picker).toHaveValue(DEMO_CLIENT_ID);
      await expect(picker.locator('option')).toHaveCount(2);
      const bounds = await picker.boundingBox();
      expect(bounds!.x).toBeGreaterThanOrEqual(0);
      expect(bounds!.x + bounds!.width).toBeLessThanOrEqual(viewport.width);
      if (lang === 'he' && size === 'desktop') await expectRightOf(page.getByRole('navigation').first(), picker, 'the header runs right to left');
      await check('client-picker');

      await page.goto('/admin/queue-management');
      await page.getByRole('tab').nth(1).click();
      const zone = page.getByRole('combobox', { name: lang === 'he' ? 'אזור זמן' : 'Time zone' });
      await zone.fill('Lond');
      const list = page.getByRole('listbox');
      await expect(list).toBeVisible();
      await expect(list.getByRole('option', { name: 'Europe/London' })).toBeVisible();
      await list.getByRole('option', { name: 'Europe/London' }).scrollIntoViewIfNeeded();
      const [field, popup] = [await zone.boundingBox(), await list.boundingBox()];
      expect(popup!.x).toBeGreaterThanOrEqual(0);
      expect(popup!.x + popup!.width).toBeLessThanOrEqual(viewport.width);
      expect(Math.abs(popup!.x - field!.x), 'the list opens under its field').toBeLessThan(2);
      await check('settings-time-zones');
      await list.getByRole('option', { name: 'Europe/London' }).click();
      await expect(zone).toHaveValue('Europe/London');

      // Unsaved settings ask before another business's replace them; keeping them stays in this business.
      await picker.selectOption(OTHER_CLIENT_ID);
      await expect(page.getByTestId('unsaved-dialog')).toBeVisible();
      await page.getByTestId('keep-editing').click();
      await expect(picker).toHaveValue(DEMO_CLIENT_ID);
      await expect(zone).toHaveValue('Europe/London');
      await picker.selectOption(OTHER_CLIENT_ID);
      await page.getByTestId('discard-changes').click();
      await expect(picker).toHaveValue(OTHER_CLIENT_ID);
      await expect(zone).toHaveValue('Asia/Jerusalem');
    });
  }
}
