import { test, expect } from '@playwright/test';
import { expectNoHorizontalOverflow, login, makePendingItemsDue, nextLocal, pinNow, resetQueueState, runProcessor, screenshot, VIEWPORTS } from '../support/e2e.ts';

const MONDAY = nextLocal('monday', true);
const TEXT = {
  en: { never: 'Never contacted', recent: 'Contacted recently', skipped: '1 selected lead was contacted within the cool-down: it will be skipped', added: '2 leads added to queue' },
  he: { never: 'לא נוצר קשר', recent: 'נוצר קשר לאחרונה', skipped: 'עם ליד נבחר אחד נוצר קשר בתקופת הצינון: הוא ידולג', added: 'שני לידים נוספו לתור' },
} as const;

test.describe('the lead grid, live', () => {
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    await login(page, 'test@test.test');
    await pinNow(page, MONDAY);
  });

  for (const lang of ['en', 'he'] as const) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      test(`a lead the real processor sends shows as contacted without a reload (${lang}, ${size})`, async ({ page }) => {
        test.setTimeout(120_000);
        const text = TEXT[lang];
        await page.setViewportSize(viewport);
        await page.goto('/admin/queue-management');
        if (lang === 'he') await page.getByLabel(/Language|שפה/).selectOption('he');
        await expect(page.getByTestId('queue-depth')).toHaveText('0', { timeout: 30_000 });
        await expect(page.getByTestId('lead-state-1')).toHaveText(text.never);
        await page.getByTestId('lead-checkbox-1').click();
        await page.getByTestId('lead-checkbox-2').click();
        await page.getByTestId('queue-button').click();
        await expect(page.locator('.toast-success')).toContainText(text.added);
        await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'on');
        // A page that reloaded would lose this mark.
        await page.evaluate(() => Object.assign(window, { sameDocument: true }));

        await makePendingItemsDue();
        await runProcessor(new Date(new Date(MONDAY).getTime() + 60_000).toISOString());
        const sentAt = Date.now();
        await expect(page.getByTestId('lead-state-1')).toHaveText(text.recent);
        await expect(page.getByTestId('lead-state-2')).toHaveText(text.recent);
        test.info().annotations.push({ type: 'row updated after the run', description: `${Date.now() - sentAt} ms` });
        await expect(page.getByTestId('lead-contacted-1')).not.toHaveText(/^$|Never|מעולם/);
        expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);

        // Chosen again, it stays chosen, and the grid says the cool-down will skip it.
        await page.getByTestId('lead-checkbox-1').click();
        await expect(page.getByTestId('selected-recent')).toHaveText(text.skipped);
        await expectNoHorizontalOverflow(page, `live grid (${lang}, ${size})`);
        await page.getByTestId('selected-recent').scrollIntoViewIfNeeded();
        await screenshot(page, `lead-grid-live-${lang}-${size}`, false);
      });
    }
  }
});
