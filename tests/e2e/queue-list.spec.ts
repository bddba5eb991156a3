import { test, expect } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, login, nextLocal, pinNow, resetQueueState, screenshot, VIEWPORTS, withDatabase } from '../support/e2e.ts';

const DEMO_ADMIN = 'a0000000-0000-4000-8000-000000000001';

test.beforeEach(async () => {
  await resetQueueState();
});

/** 57 waiting items (one per lead that may be messaged), 20 sent and 3 failed earlier, a minute apart, newest first by lead name. */
async function seedList(): Promise<{ phone: string; name: string }> {
  return withDatabase(async (client) => {
    await client.query(
      `insert into public.whatsapp_message_queue (lead_id, client_id, user_id, status, scheduled_for, created_at, processed_at, attempts, last_error, error_code)
       select l.id, l.client_id, $1, s.status::public.queue_item_status, now() + interval '1 day', now() - (s.k * 100 + row_number() over (order by l.name)) * interval '1 minute',
              case when s.status <> 'pending' then now() - interval '1 hour' end, case when s.status = 'failed' then 5 else 0 end,
              case when s.status = 'failed' then 'HTTP 500' end, case when s.status = 'failed' then 'http_500' end
         from public.leads l
         cross join (values ('pending', 0), ('sent', 1), ('failed', 2)) s(status, k)
        where l.client_id = '11111111-1111-4111-8111-111111111111' and l.opted_out_at is null
          and (s.status = 'pending' or (s.status = 'sent' and l.name < 'D') or (s.status = 'failed' and l.name like 'Z%'))`,
      [DEMO_ADMIN],
    );
    const { rows } = await client.query<{ phone: string; name: string }>(
      `select l.phone, l.name from public.whatsapp_message_queue q join public.leads l on l.id = q.lead_id where q.status = 'pending' and l.name >= 'D' and l.name not like 'Z%' order by q.created_at limit 1`, // a lead with one item
    );
    return rows[0]!;
  });
}

/** +972501234567 as it is dialled in Israel: 050-1234567. */
const dialled = (e164: string) => `0${e164.slice(4, 6)}-${e164.slice(6)}`;

for (const lang of ['en', 'he'] as const) {
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    test(`the queue list in ${lang} at ${size} size: status tabs with counts, pages, search by phone as dialled; axe clean, captured`, async ({ page }) => {
      test.setTimeout(300_000); // two pages checked by axe and captured; slow on a shared machine
      const target = await seedList();
      const counts = await withDatabase(async (client) => (await client.query<{ status: string; n: number }>(
        `select status::text, count(*)::int as n from public.whatsapp_message_queue group by 1`)).rows);
      const total = counts.reduce((sum, row) => sum + row.n, 0);
      const pending = counts.find((row) => row.status === 'pending')!.n;
      await page.setViewportSize(viewport);
      await pinNow(page, nextLocal('monday', true));
      await page.goto('/login');
      if (lang === 'he') await page.getByLabel('Language').selectOption('he');
      await login(page, 'test@test.test');
      await page.goto('/admin/queue-management');
      const tabs = page.getByTestId('status-tabs');
      await expect(tabs.getByRole('tab', { selected: true })).toContainText(String(total), { timeout: 30_000 });
      await expect(page.getByTestId('status-tab-pending')).toContainText(String(pending));
      await expect(page.getByTestId('queue-item')).toHaveCount(50);
      const range = page.getByTestId('page-range');
      await expect(range).toHaveText(lang === 'he' ? `פריטים 1–50 מתוך ${total}` : `Items 1–50 of ${total}`);
      await page.getByTestId('page-older').click();
      await expect(range).toHaveText(lang === 'he' ? `פריטים 51–${total} מתוך ${total}` : `Items 51–${total} of ${total}`);
      await expect(page.getByTestId('queue-item')).toHaveCount(total - 50);
      await page.getByTestId('status-tab-failed').click();
      await expect(page.getByTestId('queue-item').first()).toHaveAttribute('data-status', 'failed');
      await page.getByTestId('status-tab-all').click();
      await expect(page.getByTestId('queue-item')).toHaveCount(50);
      await expectNoHorizontalOverflow(page, `queue list (${lang}, ${size})`);
      await expectNoSeriousA11yViolations(page, `queue list (${lang}, ${size})`);
      await page.getByTestId('status-tabs').scrollIntoViewIfNeeded();
      await screenshot(page, `queue-list-${lang}-${size}`, false);

      await page.getByTestId('queue-search').fill(dialled(target.phone));
      await expect(page.getByTestId('queue-item')).toHaveCount(1);
      await expect(page.getByTestId('queue-item').getByTestId('item-details')).toHaveText(target.name);
      await expect(page.getByTestId('status-tab-all')).toContainText('1');
      await expect(page.getByTestId('queue-pager')).toHaveCount(0);
      await expectNoHorizontalOverflow(page, `queue list search (${lang}, ${size})`);
      await expectNoSeriousA11yViolations(page, `queue list search (${lang}, ${size})`);
      await page.getByTestId('status-tabs').scrollIntoViewIfNeeded();
      await screenshot(page, `queue-list-search-${lang}-${size}`, false);
    });
  }
}
