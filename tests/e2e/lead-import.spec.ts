import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import pg from 'pg';
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

const MONDAY = nextLocal('monday', true);
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const FIXTURE_PHONES = ['+972501234567', '+972501234568', '+972501234569', '+972527654321', '+972541111111'];
/** The generated file's phones: 050-900-0001 and on, none of the seed's. */
const BULK_PHONES = '+97250900%';
const BULK_ROWS = 4_500;

async function forgetImportedLeads(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.LQ_E2E_DATABASE_URL });
  await client.connect();
  try {
    const imported = 'phone = any($1) or phone like $2';
    await client.query(`delete from public.whatsapp_message_queue where lead_id in (select id from public.leads where ${imported})`, [FIXTURE_PHONES, BULK_PHONES]);
    await client.query(`delete from public.leads where ${imported}`, [FIXTURE_PHONES, BULK_PHONES]);
  } finally {
    await client.end();
  }
}

async function readLeads(page: Page, file: string): Promise<void> {
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-file').setInputFiles(path.join(FIXTURES, file));
  await page.getByTestId('import-read').click();
  await expect(page.getByTestId('import-mapping')).toBeVisible({ timeout: 20_000 });
}

async function importMapped(page: Page): Promise<void> {
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-report')).toBeVisible({ timeout: 20_000 });
}

/**
 * Every value of a column shows its first character inside its cell (a value too long is cut at its end, never at its
 * start); in Hebrew a value that fits, Latin text too (a phone, an address), starts where its header starts: at the
 * right. Answers how many values were cut, so a test can make sure the narrow case was there.
 */
async function expectValuesStartInside(page: Page, table: string, column: number, rtl: boolean): Promise<number> {
  const cells = await page.getByTestId(table).evaluate((element, at) => {
    const header = document.createRange();
    header.selectNodeContents(element.querySelectorAll('thead th')[at]!);
    return Array.from(element.querySelectorAll(`tbody tr td:nth-child(${at + 1})`)).flatMap((cell) => {
      const text = cell.querySelector('bdi')?.firstChild;
      if (!text || !text.textContent) return [];
      const style = getComputedStyle(cell);
      const box = cell.getBoundingClientRect();
      const inner = { left: box.left + parseFloat(style.paddingLeft), right: box.right - parseFloat(style.paddingRight) };
      const first = document.createRange();
      first.setStart(text, 0);
      first.setEnd(text, 1);
      const whole = document.createRange();
      whole.selectNodeContents(text);
      const char = first.getBoundingClientRect();
      const value = whole.getBoundingClientRect();
      return [{ text: text.textContent, inner, char: { left: char.left, right: char.right }, value: { left: value.left, right: value.right }, header: header.getBoundingClientRect().right }];
    });
  }, column);
  expect(cells.length, `${table} column ${column} has values`).toBeGreaterThan(0);
  let cut = 0;
  for (const cell of cells) {
    const where = `${table} column ${column}: first character of ${cell.text}`;
    expect(cell.char.left, where).toBeGreaterThanOrEqual(cell.inner.left - 1);
    expect(cell.char.right, where).toBeLessThanOrEqual(cell.inner.right + 1);
    const fits = cell.value.right - cell.value.left <= cell.inner.right - cell.inner.left + 1;
    if (!fits) cut += 1;
    else if (rtl) expect(Math.abs(cell.value.right - cell.header), `${table} column ${column}: ${cell.text} starts at the right`).toBeLessThanOrEqual(1);
  }
  return cut;
}

async function download(page: Page, trigger: () => Promise<void>): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger()]);
  return readFile((await file.path())!, 'utf8');
}

test.describe('leads in and results out', () => {
  // Import, queue and export in one go: slower than a page check on a loaded machine.
  test.setTimeout(150_000);
  test.beforeEach(async ({ page }) => {
    await resetQueueState();
    await forgetImportedLeads();
    await login(page, 'test@test.test');
    await pinNow(page, MONDAY);
  });

  // Later specs count the seed's 60 Demo leads.
  test.afterEach(forgetImportedLeads);

  test('imports the English CSV with its exact report, queues the imported leads, exports the results', async ({ page }) => {
    await page.goto('/admin/queue-management');
    await readLeads(page, 'leads-en.csv');
    await expect(page.getByTestId('import-map-phone').locator('option:checked')).toHaveText('Phone');
    await expect(page.getByTestId('import-preview').locator('tbody tr')).toHaveCount(5);
    await expect(page.getByTestId('import-preview').locator('tbody tr').first()).toContainText('050-1234567');
    await expect(page.getByTestId('import-start')).toHaveText('Import 8 rows');
    await screenshot(page, 'import-mapping-en');
    // A column left out: no phone, no import, and the dialog says so.
    await page.getByTestId('import-map-phone').selectOption({ label: 'Not in the file' });
    await expect(page.getByTestId('import-mapping-problem')).toContainText('phone');
    await expect(page.getByTestId('import-start')).toBeDisabled();
    await page.getByTestId('import-map-phone').selectOption({ label: 'Phone' });
    await importMapped(page);
    const report = page.getByTestId('import-report');
    await expect(report.getByTestId('import-created')).toHaveText('4');
    await expect(report.getByTestId('import-updated')).toHaveText('1');
    await expect(report.getByTestId('import-invalid')).toHaveText('3');
    await expect(report.getByTestId('import-blank')).toHaveText('1');
    await expect(page.getByTestId('import-problems')).toContainText('Not a valid phone number');
    await expectNoSeriousA11yViolations(page, 'import report (en)');
    await screenshot(page, 'import-report-en');
    const reportCsv = await download(page, () => page.getByTestId('import-download').click());
    expect(reportCsv).toBe('\uFEFFRow,Reason,Value\r\n8,No phone number,\r\n9,Not a valid phone number,12345\r\n10,Not a valid email address,not-an-email\r\n');
    await page.keyboard.press('Escape');

    await page.getByTestId('lead-tag').fill('vip');
    await expect(page.getByTestId('lead-count')).toContainText('2 leads');
    await page.getByTestId('select-all-matching').click();
    await page.getByTestId('queue-button').click();
    await expect(page.locator('.toast-success')).toContainText('2 leads added to queue');

    await page.getByTestId('export-status').selectOption('pending');
    const exported = await download(page, () => page.getByTestId('export-button').click());
    // PostgREST's CSV: LF between rows, a cell with a space or a quote inside quotes.
    const lines = exported.split('\n');
    expect(lines[0]).toBe('\uFEFFqueue_item_id,lead_name,lead_phone,status,priority,template,attempts,error_code,last_error,agent_conversation_id,created_at,scheduled_for,processed_at');
    expect(lines.filter(Boolean)).toHaveLength(3);
    expect(exported).toContain(`,"דנה כהן-לוי",'+972501234567,pending,normal,initial_outreach,0,`);
    expect(exported).toContain(`,"אבי מזרחי",'+972501234569,pending,normal,initial_outreach,0,`);
  });

  test('shows a big import part by part: the bar counts the parts written, and the report counts every row', async ({ page }, testInfo) => {
    const file = testInfo.outputPath('bulk.csv');
    const rows = Array.from({ length: BULK_ROWS }, (_, i) => `Bulk ${i + 1},050-900-${String(i + 1).padStart(4, '0')}`);
    await writeFile(file, `Name,Phone\n${rows.join('\n')}\n`);
    // Every part after the first waits until the bar has been seen at 1 of 3: the requests are real, only held.
    let parts = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/rest/v1/rpc/import_leads', async (route) => {
      parts += 1;
      if (parts > 1) await held;
      await route.continue();
    });

    await page.goto('/admin/queue-management');
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-read').click();
    await expect(page.getByTestId('import-start')).toHaveText(`Import ${BULK_ROWS.toLocaleString('en')} rows`, { timeout: 20_000 });
    await page.getByTestId('import-start').click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await expect(bar).toHaveAttribute('aria-valuenow', '1', { timeout: 20_000 });
    await expect(bar).toHaveAttribute('aria-valuemax', '3');
    await expect(page.getByTestId('import-progress')).toHaveText('Importing… 1 of 3 parts');
    expect(parts).toBe(3);
    release();
    await expect(page.getByTestId('import-report')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('import-created')).toHaveText(BULK_ROWS.toLocaleString('en'));
    await expect(page.getByTestId('import-invalid')).toHaveText('0');
    await expect(bar).toHaveCount(0);
  });

  test('imports the Hebrew XLSX in Hebrew, keeps a formula as text and exports it escaped', async ({ page }) => {
    await page.goto('/admin/queue-management');
    await page.getByLabel('Language').selectOption('he');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await readLeads(page, 'leads-he.xlsx');
    await expect(page.getByTestId('import-map-name').locator('option:checked')).toHaveText('שם מלא');
    await expect(page.getByTestId('import-map-phone').locator('option:checked')).toHaveText('טלפון');
    await expectNoSeriousA11yViolations(page, 'import mapping (he)');
    await screenshot(page, 'import-mapping-he');
    await importMapped(page);
    await expect(page.getByTestId('import-created')).toHaveText('4');
    await expect(page.getByTestId('import-invalid')).toHaveText('3');
    await expect(page.getByTestId('import-report')).toContainText('מספר טלפון לא תקין');
    await expectNoSeriousA11yViolations(page, 'import report (he)');
    await screenshot(page, 'import-report-he');
    await page.keyboard.press('Escape');

    await page.getByTestId('lead-search').fill('HYPERLINK');
    await expect(page.getByTestId('lead-row-1')).toContainText('=HYPERLINK("http://evil.example","click")');
    await page.getByTestId('lead-checkbox-1').click();
    await page.getByTestId('queue-button').click();
    await expect(page.locator('.toast-success')).toBeVisible();
    const exported = await download(page, () => page.getByTestId('export-button').click());
    expect(exported).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")",'+972527654321,pending`);
    await screenshot(page, 'queue-management-import-he');
  });

  for (const lang of ['en', 'he'] as const) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      test(`the import's columns and report and the filtered grid in ${lang} at ${size} size: fit, mirror, axe clean, captured`, async ({ page }) => {
        await page.setViewportSize(viewport);
        await page.goto('/admin/queue-management');
        if (lang === 'he') await page.getByLabel(/Language|שפה/).selectOption('he');
        await expect(page.locator('html')).toHaveAttribute('lang', lang);
        const check = async (name: string, fullPage: boolean) => {
          await expectNoHorizontalOverflow(page, `${name} (${lang}, ${size})`);
          await expectNoSeriousA11yViolations(page, `${name} (${lang}, ${size})`);
          await screenshot(page, `${name}-${lang}-${size}`, fullPage);
        };
        await readLeads(page, `leads-${lang}.csv`);
        const dialog = page.getByRole('dialog');
        const box = (await dialog.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
        if (lang === 'he') {
          await expectRightOf(page.getByTestId('import-map-name'), page.getByTestId('import-map-firstName'), 'column choices');
          const preview = page.getByTestId('import-preview').getByRole('columnheader');
          await expectRightOf(preview.nth(0), preview.nth(1), 'preview columns');
        }
        // Name, phone, email: on a phone the email column is too narrow for its addresses, and they still start inside.
        const cut = await expectValuesStartInside(page, 'import-preview', 2, lang === 'he');
        if (size === 'phone') expect(cut, 'addresses cut in the phone-size preview').toBeGreaterThan(0);
        for (const column of [0, 1]) await expectValuesStartInside(page, 'import-preview', column, lang === 'he');
        await check('import-columns', false);
        await importMapped(page);
        await expect(page.getByTestId('import-created')).toHaveText('4');
        await expectValuesStartInside(page, 'import-problems', 2, lang === 'he');
        await check('import-report', false);
        await page.keyboard.press('Escape');

        await page.getByTestId('lead-tag').fill('vip');
        await page.getByTestId('lead-filter').selectOption('not_contacted_recently');
        await page.getByTestId('lead-days').fill('7');
        await expect(page.getByTestId('lead-count')).toContainText(lang === 'he' ? 'שני לידים' : '2 leads');
        await check('lead-grid-filtered', true);
      });
    }
  }
});
