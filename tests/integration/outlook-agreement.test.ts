import { beforeAll, describe, expect, it } from 'vitest';
import { localDayBounds, nextBusinessWindow, withDefaults } from '../../supabase/functions/_shared/businessRules.ts';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { invoke } from '../support/invoke.ts';
import { createLeads } from '../support/queueItems.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

// The outlook is checked against the real processor (Deno, over HTTP, the Agent DB stand-in answering) run minute by
// minute on an injected clock. The SQL on main reads the database clock (the claim's `scheduled_for <= now()`,
// `processed_at`, `next_attempt_at`, the send bucket), so the harness keeps a second frame: before each run it moves
// the gating times (scheduled_for, next_attempt_at, the bucket's stamp) so that now() stands where the injected clock
// does, and after each run it moves what the run wrote with now() (processed_at) back onto the injected clock.

const DELAY_MS = 100;
const SETTINGS = {
  holiday_calendar: 'IL',
  max_capacity: 100,
  daily_target: 100,
  batch_size: 10,
  processing_delay_ms: DELAY_MS,
  rate_limit_per_hour: 300, // a bucket of 5, refilled 5 a minute
} as const;
const RULES = withDefaults({ holiday_calendar: 'IL', max_capacity: 100, daily_target: 100 });
const TOLERANCE_MS = 60_000 + DELAY_MS;

const stack = withStack({
  functions: true,
  sink: true,
  // No send here is meant to time out: a 1 s limit let a loaded machine's slow answer become a retry the projection never planned.
  env: { AGENT_DB_TIMEOUT_MS: '10000', QUEUE_BATCH_SIZE: '50', WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' },
});

interface Outlook {
  queue_item_id: string;
  waiting_for: string;
  waiting_until: string | null;
  expected_send_at: string | null;
  holiday_name: string | null;
}
interface Run {
  at: Date;
  /** The processor's own skip reason, else rate_limited when the run ended with the send bucket empty. */
  reason: string;
  sent: Set<string>;
  inBackoff: Set<string>;
}

let offsetMs = 0;
const sentAt = new Map<string, Date>();
const runs: Run[] = [];
const snapshots: { at: Date; rows: Outlook[] }[] = [];

/** Stored gating times = injected time - offset: moves them so the database clock stands where the injected one does. */
async function shiftTo(next: number): Promise<void> {
  const delta = next - offsetMs;
  if (delta === 0) return;
  const shift = `make_interval(secs => $1::float8 / 1000)`;
  await stack.pool.query(
    `update public.whatsapp_message_queue set scheduled_for = scheduled_for - ${shift}, next_attempt_at = next_attempt_at - ${shift}
      where status in ('pending', 'queued', 'processing')`,
    [delta],
  );
  await stack.pool.query(`update private.rate_buckets set updated_at = updated_at - ${shift}`, [delta]);
  await stack.pool.query(`update private.pair_pacing set next_send_at = next_send_at - ${shift}`, [delta]);
  offsetMs = next;
}

async function runAt(at: Date): Promise<Run> {
  const realStart = Date.now();
  await shiftTo(at.getTime() - realStart);
  const backoff = await stack.pool.query<{ id: string }>(
    `select id from public.whatsapp_message_queue where status = 'pending' and next_attempt_at > to_timestamp($1::float8 / 1000)`,
    [realStart],
  );
  const result = await invoke<RunSummary>(stack.service, 'queue-processor', { now: at.toISOString() });
  expect(result.status).toBe(200);
  await stack.pool.query(
    `update public.whatsapp_message_queue set processed_at = processed_at + make_interval(secs => $1::float8 / 1000)
      where processed_at >= to_timestamp($2::float8 / 1000) - interval '1 second'`,
    [offsetMs, realStart],
  );
  const sent = await stack.pool.query<{ id: string; processed_at: Date }>(
    `select id, processed_at from public.whatsapp_message_queue where status = 'sent'`,
  );
  const run: Run = { at, reason: '', sent: new Set(), inBackoff: new Set(backoff.rows.map((row) => row.id)) };
  for (const row of sent.rows) {
    if (sentAt.has(row.id)) continue;
    sentAt.set(row.id, row.processed_at);
    run.sent.add(row.id);
  }
  const bucket = await stack.pool.query<{ tokens: number }>(`select tokens from private.rate_buckets where bucket = $1`, [`send:${DEMO_CLIENT_ID}`]);
  const admin = result.body.admins.find((entry) => entry.userId === DEMO_ADMIN_ID);
  run.reason = admin?.skipped ?? ((bucket.rows[0]?.tokens ?? 5) < 1 ? 'rate_limited' : 'sent');
  runs.push(run);
  return run;
}

async function snapshot(at: Date): Promise<void> {
  await shiftTo(0);
  const admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
  const { data, error } = await admin.rpc('queue_outlook', { at: at.toISOString(), for_client: DEMO_CLIENT_ID });
  expect(error).toBeNull();
  snapshots.push({ at, rows: (data ?? []) as Outlook[] });
}

/** Which of the processor's skip reasons proves a waiting_for value, seen in a run before the item went. */
const PROVEN_BY: Record<string, (run: Run, id: string) => boolean> = {
  client_paused: (run) => run.reason === 'client_paused',
  outside_hours: (run) => run.reason === 'outside_window',
  holiday: (run) => run.reason === 'outside_window',
  daily_capacity: (run) => run.reason === 'capacity_reached',
  send_budget: (run) => run.reason === 'rate_limited',
  backoff: (run, id) => run.inBackoff.has(id),
};

// Sunday 2026-09-20 (erev Yom Kippur, full hours), Israel summer time (UTC+3); Monday is Yom Kippur.
const at = (iso: string) => new Date(iso);
const SNAPSHOT_TIMES = ['2026-09-20T13:45:00Z', '2026-09-20T13:50:00Z', '2026-09-20T14:30:00Z', '2026-09-21T09:00:00Z',
  '2026-09-22T06:05:00Z', '2026-09-22T06:20:00Z', '2026-09-24T06:02:00Z'].map(at);

describe('the outlook agrees with the processor', () => {
  beforeAll(async () => {
    await stack.reset(SETTINGS);
    const leads = await createLeads(stack.pool, 300, DEMO_CLIENT_ID, 'outlook');
    await stack.pool.query(
      `insert into public.whatsapp_message_queue (lead_id, client_id, user_id, scheduled_for)
       select l, $2, $3, timestamptz '2026-09-20T13:40:00Z' + make_interval(secs => n) from unnest($1::uuid[]) with ordinality u(l, n)`,
      [leads, DEMO_CLIENT_ID, DEMO_ADMIN_ID],
    );
    // 16:43: the Agent DB answers 429 once: that item backs off and the whole client pauses for 150 s.
    stack.sink!.behave({ status: 429, retryAfterSeconds: 150, times: 1 });
    await runAt(at('2026-09-20T13:43:00Z'));

    let now = at('2026-09-20T13:45:00Z');
    const pending = [...SNAPSHOT_TIMES];
    for (let guard = 0; sentAt.size < 300 && guard < 200; guard += 1) {
      while (pending.length > 0 && pending[0]!.getTime() <= now.getTime()) await snapshot(pending.shift()!);
      const run = await runAt(now);
      let next = new Date(now.getTime() + 60_000);
      if (run.reason === 'outside_window') next = nextBusinessWindow(next, RULES)!.start;
      if (run.reason === 'capacity_reached') next = localDayBounds(now, RULES.timezone).end;
      // A snapshot's time is a run's time too, so what it says is checked by the runs after it.
      if (pending[0] && pending[0] < next) next = pending[0];
      now = new Date(Math.ceil(next.getTime() / 60_000) * 60_000);
    }
  }, 300_000);

  it('sends all 300 items, across the window close, Yom Kippur, the daily capacity and the 429 pause', () => {
    expect(sentAt.size).toBe(300);
    const reasons = new Set(runs.map((run) => run.reason));
    for (const reason of ['client_paused', 'outside_window', 'capacity_reached', 'rate_limited']) expect(reasons).toContain(reason);
    const days = new Set([...sentAt.values()].map((sent) => sent.toISOString().slice(0, 10)));
    expect([...days].sort()).toEqual(['2026-09-20', '2026-09-22', '2026-09-23', '2026-09-24']);
  });

  it('sends ≥ 95 % of the items within one processor interval plus the delay of their expected_send_at', () => {
    const first = snapshots[0]!;
    expect(first.rows).toHaveLength(300);
    const close = first.rows.filter((row) => {
      const sent = sentAt.get(row.queue_item_id)!;
      return row.expected_send_at !== null && Math.abs(sent.getTime() - new Date(row.expected_send_at).getTime()) <= TOLERANCE_MS;
    });
    const agreement = close.length / first.rows.length;
    console.info(`outlook agreement: ${(agreement * 100).toFixed(1)} % of ${first.rows.length} items`);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
  });

  it("gives each waiting item the reason the processor skipped it for, at every snapshot", () => {
    const seen = new Set<string>();
    const mismatches: string[] = [];
    for (const { at: taken, rows } of snapshots) {
      for (const row of rows) {
        seen.add(row.waiting_for);
        const sent = sentAt.get(row.queue_item_id)!;
        const waited = runs.filter((run) => run.at >= taken && run.at < sent && !run.sent.has(row.queue_item_id));
        const firstRun = runs.find((run) => run.at >= taken);
        const proven = row.waiting_for === 'due_now'
          ? firstRun?.sent.has(row.queue_item_id) === true
          : waited.some((run) => PROVEN_BY[row.waiting_for]?.(run, row.queue_item_id) === true);
        if (!proven) mismatches.push(`${taken.toISOString()} ${row.queue_item_id}: ${row.waiting_for}, sent ${sent.toISOString()}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect([...seen].sort()).toEqual(['backoff', 'client_paused', 'daily_capacity', 'due_now', 'holiday', 'send_budget']);
  });

  it('names the holiday and when it ends', () => {
    const night = snapshots.find((shot) => shot.at.getTime() === Date.parse('2026-09-20T14:30:00Z'))!;
    expect(night.rows[0]).toMatchObject({ waiting_for: 'holiday', holiday_name: 'Yom Kippur', waiting_until: '2026-09-22T06:00:00+00:00' });
  });
});
