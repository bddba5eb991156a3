import { test, expect } from '@playwright/test';
import { fromZonedTime } from 'date-fns-tz';
import { nextBusinessWindow, withDefaults } from '../../supabase/functions/_shared/businessRules.ts';
import { DEMO_ADMIN_ID } from '../support/seed.ts';
import { jerusalemDay, login, nextLocal, pinNow, resetQueueState, screenshot, withDatabase } from '../support/e2e.ts';

// The admin works in Jerusalem; this browser is in London, two hours behind.
const ZONE = 'Asia/Jerusalem';
const MONDAY = nextLocal('monday', true);

const yearIn = (at: Date) => new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: ZONE }).format(at);

/** How the admin's zone writes an instant: "Mon 7 Dec, 11:30", with the year when it is not the (pinned) current one. */
function inZone(at: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: yearIn(at) === yearIn(new Date(MONDAY)) ? undefined : 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: ZONE,
  }).format(at);
}


test.use({ timezoneId: 'Europe/London' });

test.beforeEach(async () => {
  await resetQueueState();
});

test('with a London browser, every time on screen is the admin’s Jerusalem time, and says so', async ({ page }) => {
  test.setTimeout(120_000);
  const lastRun = new Date(new Date(MONDAY).getTime() - 7 * 60_000);
  const contacted = await withDatabase(async (db) => {
    await db.query('update user_queue_settings set last_processor_run_at = $2 where user_id = $1', [DEMO_ADMIN_ID, lastRun]);
    const { rows } = await db.query<{ last_contacted_at: Date }>(`select last_contacted_at from leads where id = md5('demo-lead-9')::uuid`);
    return rows[0]!.last_contacted_at;
  });
  await login(page, 'test@test.test');
  await pinNow(page, MONDAY);
  await page.goto('/admin/queue-management');

  await expect(page.getByTestId('last-run')).toHaveText(inZone(lastRun), { timeout: 30_000 });
  await expect(page.getByText('Last processor run · Israel Time')).toBeVisible();
  const closing = fromZonedTime(`${jerusalemDay(MONDAY)}T17:00:00`, ZONE);
  await expect(page.getByTestId('next-window')).toHaveText(`Open now, until ${inZone(closing)}`);
  await expect(page.getByTestId('lead-row-9')).toContainText(inZone(contacted));

  // "Send at" is chosen in Jerusalem: 11:30 there is 09:30 (or 08:30 in summer) here.
  await expect(page.getByText('Send at (optional) · Israel Time')).toBeVisible();
  await page.getByTestId('scheduled-for').selectOption(jerusalemDay(MONDAY));
  await page.getByTestId('scheduled-time').selectOption('11:30');
  await page.getByTestId('lead-checkbox-1').click();
  await page.getByTestId('queue-button').click();
  await expect(page.locator('.toast-success')).toContainText('1 lead added to queue');
  const sendAt = fromZonedTime(`${jerusalemDay(MONDAY)}T11:30:00`, ZONE);
  const stored = await withDatabase(async (db) => (await db.query<{ scheduled_for: Date }>('select scheduled_for from whatsapp_message_queue')).rows);
  expect(stored.map((row) => row.scheduled_for.toISOString())).toEqual([sendAt.toISOString()]);
  const item = page.getByTestId('queue-item');
  await expect(item).toContainText(inZone(sendAt));
  await item.getByTestId('item-details').click();
  await expect(page.getByTestId('item-dialog')).toContainText(inZone(sendAt));
  await screenshot(page, 'time-zones-item-dialog-en-desktop', false);
  await page.keyboard.press('Escape');

  // A refusal names the next window in the admin's zone too.
  const saturday = jerusalemDay(MONDAY, 5);
  const next = nextBusinessWindow(fromZonedTime(`${saturday}T10:00:00`, ZONE), withDefaults({}));
  await page.getByTestId('scheduled-for').selectOption(saturday);
  await page.getByTestId('scheduled-time').selectOption('10:00');
  await page.getByTestId('lead-checkbox-2').click();
  await page.getByTestId('queue-button').click();
  const refusal = page.locator('.toast-error');
  await expect(refusal).toContainText('Cannot schedule for Saturday - business closed');
  await expect(refusal).toContainText(`Next window: ${inZone(next!.start)} · Israel Time`);
  await screenshot(page, 'time-zones-queue-management-en-desktop');

  await page.getByRole('tab', { name: 'Metrics' }).click();
  await expect(page.getByTestId('metric-eta')).toContainText('· Israel Time');
});
