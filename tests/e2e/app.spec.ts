import { test, expect } from '@playwright/test';
import { expectNoSeriousA11yViolations, login, nextLocal, pinNow, resetQueueState, screenshot } from '../support/e2e.ts';

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

for (const lang of ['en', 'he'] as const) {
  test(`every page passes axe and is captured (${lang})`, async ({ page }) => {
    await pinNow(page, nextLocal('monday', true));
    await page.goto('/login');
    if (lang === 'he') await page.getByLabel('Language').selectOption('he');
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expectNoSeriousA11yViolations(page, `login (${lang})`);
    await screenshot(page, `login-${lang}`);

    await page.fill('[name="email"]', 'test@test.test');
    await page.fill('[name="password"]', 'testtesttest');
    await page.click('button[type="submit"]');
    await page.waitForURL('/dashboard');
    await expect(page.getByTestId('processing-state')).toBeVisible();
    await expect(page.getByTestId('throughput-empty').or(page.getByTestId('throughput-chart'))).toBeVisible();
    await expectNoSeriousA11yViolations(page, `dashboard (${lang})`);
    await screenshot(page, `dashboard-${lang}`);

    await page.goto('/admin/queue-management');
    await expect(page.getByTestId('lead-checkbox-1')).toBeVisible();
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('lead-checkbox-2').click();
    await page.getByTestId('queue-button').click();
    await expect(page.locator('.toast-success')).toBeVisible();
    await expect(page.getByTestId('queue-item')).toHaveCount(2);
    await expectNoSeriousA11yViolations(page, `queue management (${lang})`);
    await screenshot(page, `queue-management-${lang}`);

    await page.getByRole('tab').nth(1).click();
    await expect(page.getByTestId('save-settings')).toBeVisible();
    await expectNoSeriousA11yViolations(page, `settings (${lang})`);
    await screenshot(page, `settings-${lang}`);

    await page.getByRole('tab').nth(2).click();
    await expect(page.getByTestId('metric-depth')).toBeVisible();
    await expectNoSeriousA11yViolations(page, `metrics (${lang})`);
    await screenshot(page, `metrics-${lang}`);

    // Tablet width: the same page stays usable.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByRole('tab').first().click();
    await expect(page.getByTestId('queue-button')).toBeVisible();
    await screenshot(page, `queue-management-tablet-${lang}`);
  });
}
