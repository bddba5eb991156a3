import { test, expect } from '@playwright/test';
import { DEMO_CLIENT_ID } from '../support/seed.ts';
import { login, resetQueueState, withDatabase } from '../support/e2e.ts';

const PREFIX = 'Keyboard lead';

test.beforeAll(async () => {
  await resetQueueState();
  // 9,940 more leads: with the seed's 60, the client has 10,000.
  await withDatabase((db) =>
    db.query(
      `insert into leads (client_id, name, phone, created_at)
       select $1, $2 || ' ' || lpad(n::text, 5, '0'), '+97255' || lpad(n::text, 7, '0'), timestamptz '2026-02-01 00:00:00+00' + make_interval(secs => n)
       from generate_series(1, 9940) n`,
      [DEMO_CLIENT_ID, PREFIX],
    ),
  );
});

test.afterAll(async () => {
  await withDatabase((db) => db.query(`delete from leads where client_id = $1 and name like $2`, [DEMO_CLIENT_ID, `${PREFIX}%`]));
});

test('the keyboard reaches row 500 of 10,000 leads, selects it, and the grid says where it is', async ({ page }) => {
  test.setTimeout(120_000); // 10,000 leads to load, some sixty keystrokes
  await login(page, 'test@test.test');
  await page.goto('/admin/queue-management');
  const grid = page.getByTestId('lead-grid');
  await expect(page.getByTestId('lead-count')).toHaveText('10000 leads', { timeout: 30_000 });
  await expect(grid).toHaveAttribute('aria-rowcount', '10001');

  // One tab stop: from the filter, Tab lands on the grid (the controls between are skipped when disabled).
  await page.getByTestId('lead-filter').focus();
  for (let i = 0; i < 8 && !(await grid.evaluate((element) => element === document.activeElement)); i += 1) await page.keyboard.press('Tab');
  await expect(grid).toBeFocused();
  // The row the grid names as active (aria-activedescendant): the virtualiser renders it before it is named.
  const activeRow = async () => page.locator(`[id="${await grid.getAttribute('aria-activedescendant')}"]`);
  await expect(await activeRow()).toHaveAttribute('aria-rowindex', '2');

  // Page Down to near row 500, then arrows to exactly it.
  while (Number(await (await activeRow()).getAttribute('aria-rowindex')) < 480) await page.keyboard.press('PageDown');
  while (Number(await (await activeRow()).getAttribute('aria-rowindex')) < 501) await page.keyboard.press('ArrowDown');
  const row = await activeRow();
  await expect(row).toHaveAttribute('aria-rowindex', '501');
  await expect(row).toHaveAttribute('data-testid', 'lead-row-500');
  await expect(row).toBeInViewport();
  await page.keyboard.press(' ');
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('queue-button')).toHaveText('Add 1 to queue');
  await expect(page.getByTestId('lead-count')).toContainText('1 selected');

  await page.keyboard.press('End');
  await expect(await activeRow()).toHaveAttribute('aria-rowindex', '10001');
  await expect(page.getByTestId('lead-row-10000')).toBeInViewport();
});

test('tab panels show where the focus is', async ({ page }) => {
  await login(page, 'test@test.test');
  await page.goto('/admin/queue-management');
  await page.getByRole('tab', { name: 'Metrics' }).click({ timeout: 30_000 });
  await page.keyboard.press('Tab');
  const panel = page.getByRole('tabpanel');
  await expect(panel).toBeFocused();
  const outline = await panel.evaluate((element) => getComputedStyle(element).outlineStyle);
  expect(outline).not.toBe('none');
});
