import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { planDay, withDefaults, WEEKDAYS, type Weekday } from '../../supabase/functions/_shared/businessRules.ts';
import { ANON_KEY, SERVICE_ROLE_KEY } from '@leads-queue/local-supabase';
import { resetQueueState as resetDatabaseQueueState } from './queueState.ts';
import { PASSWORD } from './seed.ts';

export const STACK_URL = process.env.LQ_E2E_STACK_URL ?? '';
const DATABASE_URL = process.env.LQ_E2E_DATABASE_URL ?? '';
const SINK_URL = `http://127.0.0.1:${(JSON.parse(process.env.LQ_E2E_PORTS ?? '{}') as { sink?: number }).sink}`;
const SCREENSHOTS = path.join(import.meta.dirname, '..', 'e2e', 'screenshots');

/**
 * 10:00 in Jerusalem on the next `weekday` after today that is open (or, for a closed weekday,
 * just the next one): a time in the future, so the server judges it as given, on any run date.
 */
export function nextLocal(weekday: Weekday, open: boolean): string {
  const rules = withDefaults({ short_erev_chag: true });
  const day = new Date();
  for (let i = 1; i < 400; i += 1) {
    const candidate = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + i));
    const date = candidate.toISOString().slice(0, 10);
    if (WEEKDAYS[candidate.getUTCDay()] !== weekday) continue;
    const plan = planDay(date, rules);
    if (plan.open === open && (!plan.open || plan.hours.end === '17:00')) {
      // Jerusalem is UTC+2 or +3; take the instant from the window itself when open.
      return plan.open ? new Date(plan.window.start.getTime() + 3_600_000).toISOString() : `${date}T08:00:00.000Z`;
    }
  }
  throw new Error(`no ${weekday} found`);
}

/** The calendar day (`YYYY-MM-DD`) `days` after the one `iso` falls on in Jerusalem. */
export function jerusalemDay(iso: string, days = 0): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jerusalem' }).format(new Date(iso));
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Pins the page's Date.now (the app's only clock) from the next navigation on, as the spec does. */
export async function pinNow(page: Page, iso: string): Promise<void> {
  await page.addInitScript((at) => {
    const pinned = new Date(at).getTime();
    Date.now = () => pinned;
  }, iso);
}

export async function login(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await page.fill('[name="email"]', email);
  await page.fill('[name="password"]', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL('/dashboard');
}

/** The queue state back to the seed's (see queueState.ts) and the Agent DB stand-in to its default answer. */
export async function resetQueueState(): Promise<void> {
  await withDatabase(async (client) => {
    await resetDatabaseQueueState(client);
    // Sends by earlier tests put their leads in the 30-day cool-down; the seed's own contacts are 9 days old or more.
    await client.query(`update public.leads set last_contacted_at = null where last_contacted_at > now() - interval '1 day'`);
  });
  await fetch(`${SINK_URL}/__control`, { method: 'POST', body: JSON.stringify({ reset: true }) });
}

/**
 * The processor claims items due by the database clock, which the browser's pinned time does not
 * move: bring the pending items' time to now, as if the pinned Monday had come.
 */
export async function makePendingItemsDue(): Promise<void> {
  await withDatabase((client) => client.query(`update public.whatsapp_message_queue set scheduled_for = now() - interval '1 minute' where status = 'pending'`));
}

/** Tells the Agent DB stand-in how to answer the next webhooks. */
export async function sinkBehaves(behave: { status: number; times?: number }): Promise<void> {
  await fetch(`${SINK_URL}/__control`, { method: 'POST', body: JSON.stringify({ behave }) });
}

/** Runs the queue processor as pg_cron would, at the given instant. */
export async function runProcessor(now: string): Promise<unknown> {
  const response = await fetch(`${STACK_URL}/functions/v1/queue-processor`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${SERVICE_ROLE_KEY}`, apikey: SERVICE_ROLE_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ now }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

/** Queues leads through the real queue-leads function as `email` (outside the browser). */
export async function queueAs(email: string, count: number, scheduledFor: string): Promise<string[]> {
  // Node 20 has no global WebSocket for supabase-js's realtime client.
  const supabase = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: WebSocket as never } });
  const { error: signInError } = await supabase.auth.signInWithPassword({ email, password: PASSWORD });
  if (signInError) throw signInError;
  const { data: leads, error } = await supabase.from('leads').select('id').is('opted_out_at', null).order('name').limit(count);
  if (error) throw error;
  const { data, error: queueError } = await supabase.functions.invoke<{ queueIds: string[] }>('queue-leads', {
    body: { leadIds: (leads ?? []).map((lead) => lead.id), priority: 'normal', scheduledFor },
  });
  if (queueError) throw new Error(`queue-leads failed: ${await (queueError as { context?: Response }).context?.text()}`);
  return data?.queueIds ?? [];
}

export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  // Axe reads colours as painted: a dialog or a toast still fading in has part of its contrast (a flake seen in CI).
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  // A toast on its way out fades over 0.4 s, a transition Sonner starts when its time is up.
  await expect(page.locator('[data-sonner-toast][data-removed="true"]')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const summary = serious.map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(summary, `axe on ${label}`).toEqual([]);
}

/** The phone and desktop sizes every page is checked and captured at. */
export const VIEWPORTS = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } } as const;

/** Nothing on the page needs sideways panning. */
export async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `horizontal overflow on ${label}`).toBeLessThanOrEqual(innerWidth);
}

/** In a right-to-left page the first of two siblings sits to the right of the second. */
export async function expectRightOf(first: Locator, second: Locator, label: string): Promise<void> {
  const [a, b] = [await first.boundingBox(), await second.boundingBox()];
  expect(a && b, `${label}: both visible`).toBeTruthy();
  expect(a!.x, `${label}: the first starts right of the second`).toBeGreaterThan(b!.x);
}

/** A connection straight to the stack's database (seeding what the UI cannot, reading what it wrote). */
export async function withDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The whole page, or only the viewport (`fullPage: false`) where a fixed overlay (a dialog) would cover a part of it. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}
