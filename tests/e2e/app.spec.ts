import { test, expect } from '@playwright/test';
import {
  expectNoHorizontalOverflow,
  expectNoSeriousA11yViolations,
  expectRightOf,
  login,
  nextLocal,
  pinNow,
  resetQueueState,
  screenshot,
  VIEWPORTS,
} from '../support/e2e.ts';

test.beforeEach(async () => {
  await resetQueueState();
});

test('wrong credentials get a clear error', async ({ page }) => {
  await page.goto('/dashboard');
  await page.waitForURL('/login');
  await page.fill('[name="email"]', 'test@test.test');
  await page.fill('[name="password"]', 'not-the-password');
  await page.click('button[type="submit"]');
  await expect(page.getByTestId('login-error')).toHaveText('Wrong email or password. Check both and try again.');
});

test('Hebrew renders right to left with translated labels, and the choice persists', async ({ page }) => {
  await login(page, 'test@test.test');
  await page.getByLabel('Language').selectOption('he');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'he');
  await expect(page.getByRole('heading', { name: 'לוח בקרה' })).toBeVisible();
  await page.getByRole('link', { name: 'ניהול תור' }).click();
  await expect(page.getByRole('heading', { name: 'ניהול תור' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'הגדרות' })).toBeVisible();
  await expect(page.getByTestId('queue-button')).toHaveText(/הוסף לתור/);
  // Logical CSS: the page's start edge is on the right.
  const nav = await page.getByRole('navigation').boundingBox();
  const signOut = await page.getByRole('button', { name: 'התנתקות' }).boundingBox();
  expect(nav && signOut && signOut.x < nav.x).toBe(true);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'ניהול תור' })).toBeVisible();
});

test('settings survive a reload', async ({ page }) => {
  test.setTimeout(120_000); // two first loads of the lazy admin page, slow on a busy machine
  await login(page, 'test@test.test');
  await page.goto('/admin/queue-management');
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByLabel('Daily target').fill('60');
  await page.getByLabel('Batch size').fill('5');
  await page.getByRole('switch', { name: 'Friday: Open' }).click();
  await page.getByLabel('Add date', { exact: true }).fill('2030-03-01');
  await page.getByRole('button', { name: 'Add date' }).click();
  await page.getByTestId('save-settings').click();
  await expect(page.locator('.toast-success')).toContainText('Settings saved');

  await page.reload();
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByLabel('Daily target')).toHaveValue('60');
  await expect(page.getByLabel('Batch size')).toHaveValue('5');
  await expect(page.getByRole('switch', { name: 'Friday: Open' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('closed-dates')).toContainText('2030');
});

test('invalid settings are explained and not saved', async ({ page }) => {
  await login(page, 'test@test.test');
  await page.goto('/admin/queue-management');
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByLabel('Daily target').fill('999');
  await page.getByTestId('save-settings').click();
  await expect(page.getByText('The daily target cannot exceed the daily capacity')).toBeVisible();
  await page.reload();
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByLabel('Daily target')).toHaveValue('45');
});

test('a first visit follows the browser’s languages (he-IL lands in Hebrew); a choice made in the app wins afterwards', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'he-IL' });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'he');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'כניסה' })).toBeVisible();
  await page.getByLabel('שפה').selectOption('en');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await context.close();
});

for (const lang of ['en', 'he'] as const) {
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    test(`every page in ${lang} at ${size} size: mirrored, no sideways panning, axe clean, captured`, async ({ page }) => {
      test.setTimeout(150_000); // six pages, each checked by axe and captured
      await page.setViewportSize(viewport);
      await pinNow(page, nextLocal('monday', true));
      const check = async (name: string, fullPage = true) => {
        await expectNoHorizontalOverflow(page, `${name} (${lang}, ${size})`);
        await expectNoSeriousA11yViolations(page, `${name} (${lang}, ${size})`);
        await screenshot(page, `${name}-${lang}-${size}`, fullPage);
      };
      await page.goto('/login');
      if (lang === 'he') await page.getByLabel('Language').selectOption('he');
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await check('login');

      await page.fill('[name="email"]', 'test@test.test');
      await page.fill('[name="password"]', 'testtesttest');
      await page.click('button[type="submit"]');
      await page.waitForURL('/dashboard');
      await expect(page.getByTestId('processing-state')).toBeVisible();
      await expect(page.getByTestId('throughput-empty').or(page.getByTestId('throughput-chart'))).toBeVisible();
      await check('dashboard');

      await page.goto('/admin/queue-management');
      // A pinned clock a week ahead makes supabase-js refresh its token before every call: the first load is slow.
      await expect(page.getByTestId('lead-checkbox-1')).toBeVisible({ timeout: 30_000 });
      await page.getByTestId('lead-checkbox-1').click();
      await page.getByTestId('lead-checkbox-2').click();
      await page.getByTestId('queue-button').click();
      await expect(page.locator('.toast-success')).toBeVisible();
      await expect(page.getByRole('region', { name: lang === 'he' ? 'התראות' : 'Notifications' })).toBeAttached();
      await expect(page.locator('.toast-success').getByRole('button', { name: lang === 'he' ? 'סגירת ההתראה' : 'Close notification' })).toBeVisible();
      await expect(page.getByTestId('queue-item')).toHaveCount(2);
      const tabs = page.getByRole('tab');
      if (lang === 'he') {
        // Geometry, not only <html dir>: Radix's tabs and the tables run right to left.
        await expectRightOf(tabs.nth(0), tabs.nth(1), 'tabs');
        if (size === 'desktop') {
          const queueHeaders = page.getByTestId('queue-list').getByRole('columnheader');
          await expectRightOf(queueHeaders.nth(0), queueHeaders.nth(1), 'queue list columns');
          const leadHeaders = page.getByTestId('lead-grid').getByRole('columnheader');
          await expectRightOf(leadHeaders.nth(1), leadHeaders.nth(2), 'lead grid columns');
        } else {
          // Phone cards: the name on the right, the status badge on the left.
          const card = page.getByTestId('queue-item').first();
          await expectRightOf(card.getByTestId('item-details'), card.locator('[data-status]').last(), 'queue card');
        }
      }
      await check('queue-management');
      // The queued toast leaves after 4 s; waited out here, its fade cannot overlap axe's read of the dialog.
      await expect(page.locator('[data-sonner-toast]')).toHaveCount(0, { timeout: 10_000 });

      await page.getByTestId('item-details').first().click();
      await expect(page.getByTestId('item-dialog')).toBeVisible();
      await check('item-dialog', false);
      await page.keyboard.press('Escape');

      await tabs.nth(1).click();
      await expect(page.getByTestId('save-settings')).toBeVisible();
      if (lang === 'he') {
        // The weekday switches draw their knob inside the track, on the right when off.
        const friday = page.getByTestId('hours-friday').getByRole('switch');
        const [track, knob] = [await friday.boundingBox(), await friday.locator('span').boundingBox()];
        expect(knob!.x).toBeGreaterThanOrEqual(track!.x);
        expect(knob!.x + knob!.width).toBeLessThanOrEqual(track!.x + track!.width + 0.5);
        expect(knob!.x + knob!.width / 2, 'off: knob at the start (right)').toBeGreaterThan(track!.x + track!.width / 2);
      }
      await check('settings');

      await tabs.nth(2).click();
      await expect(page.getByTestId('metric-depth')).toBeVisible();
      await check('metrics');
    });

    test(`the manager's pages in ${lang} at ${size} size: pick an admin, per-admin numbers, axe clean, captured`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize(viewport);
      await page.goto('/login');
      if (lang === 'he') await page.getByLabel('Language').selectOption('he');
      await login(page, 'manager@test.test');
      const check = async (name: string) => {
        await expectNoHorizontalOverflow(page, `${name} (manager, ${lang}, ${size})`);
        await expectNoSeriousA11yViolations(page, `${name} (manager, ${lang}, ${size})`);
        await screenshot(page, `${name}-manager-${lang}-${size}`);
      };
      // A table on wide screens, one card per admin on phones.
      await expect(page.getByTestId(size === 'phone' ? 'performance-cards' : 'performance-table')).toBeVisible();
      const picker = page.getByTestId('admin-picker');
      await expect(picker.locator('option')).toHaveText([lang === 'he' ? 'סך הכול ללקוח (כל מנהלי המערכת)' : 'Client total (all admins)', 'test@test.test']);
      if (lang === 'he' && size === 'desktop') {
        const headers = page.getByTestId('performance-table').getByRole('columnheader');
        await expectRightOf(headers.nth(0), headers.nth(1), 'per-admin table columns');
      }
      await check('dashboard');
      await page.goto('/admin/queue-management');
      await expect(page.getByTestId('read-only-notice')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('lead-row-1')).toBeVisible();
      await page.getByTestId('admin-picker').selectOption('test@test.test');
      await page.getByRole('tab').nth(1).click();
      await expect(page.getByTestId('save-settings')).toHaveCount(0);
      await expect(page.locator('input[name="daily_target"]')).toBeDisabled();
      await check('settings');
      // With one admin, the client's total is that admin's queue: the settings stay in view.
      await page.getByTestId('admin-picker').selectOption({ index: 0 });
      await expect(page.locator('input[name="daily_target"]')).toHaveValue('45');
    });
  }
}
