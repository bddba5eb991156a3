import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { as, withDatabase } from '../support/db.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';

const db = withDatabase();

async function reset() {
  await db.pool.query('delete from whatsapp_message_queue');
  await db.pool.query('delete from queue_performance_metrics');
  await db.pool.query('alter table queue_audit_log disable trigger all');
  await db.pool.query('truncate queue_audit_log');
  await db.pool.query('alter table queue_audit_log enable trigger all');
}

const ALWAYS_OPEN = JSON.stringify(
  Object.fromEntries(
    ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [d, { enabled: true, start: '00:00', end: '24:00' }]),
  ),
);
const ALWAYS_CLOSED = JSON.stringify(
  Object.fromEntries(
    ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [d, { enabled: false, start: '09:00', end: '17:00' }]),
  ),
);

describe('queue_status and the metrics rollup agree with the raw table after a random workload', () => {
  it('holds for any sequence of enqueue / claim / start / complete / fail / cancel / expiry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('enqueue' as const), n: fc.integer({ min: 1, max: 8 }) }),
            fc.record({ op: fc.constant('claim' as const), n: fc.integer({ min: 1, max: 6 }) }),
            fc.record({ op: fc.constant('finish' as const), outcome: fc.constantFrom('sent', 'retry', 'fail'), n: fc.integer({ min: 1, max: 6 }) }),
            fc.record({ op: fc.constant('cancel' as const), n: fc.integer({ min: 1, max: 3 }) }),
            fc.record({ op: fc.constant('expire' as const) }),
          ),
          { minLength: 5, maxLength: 25 },
        ),
        async (ops) => {
          await reset();
          // Open at any hour, no operation limit in the way: the property is about the counts.
          await db.pool.query('update user_queue_settings set max_capacity = 100000, daily_target = 100000, business_hours = $1, holiday_calendar = $2', [ALWAYS_OPEN, 'none']);
          await db.pool.query('update private.queue_limits set operations_per_hour = 1000000');
          await db.pool.query('delete from private.rate_buckets');
          for (const step of ops) {
            if (step.op === 'enqueue') {
              const leads = await createLeads(db.pool, step.n, DEMO_CLIENT_ID, 'mon');
              const { rows: [queued] } = await as(db.pool, USERS.demoAdmin, (c) => c.query('select enqueue_leads($1) r', [leads]), { commit: true });
              expect(queued.r.queued).toBe(step.n);
            } else if (step.op === 'claim') {
              await db.pool.query("select id from claim_queue_batch('w', $1)", [step.n]);
            } else if (step.op === 'finish') {
              const { rows } = await db.pool.query(
                "select id, status from whatsapp_message_queue where locked_by = 'w' and locked_until > now() limit $1", [step.n]);
              for (const row of rows) {
                if (row.status === 'queued') await db.pool.query("select start_queue_item($1, 'w')", [row.id]);
                if (step.outcome === 'sent') await db.pool.query("select complete_queue_item($1, 'w', 't')", [row.id]);
                else await db.pool.query("select fail_queue_item($1, 'w', 'boom', 'http_500', $2, 0)", [row.id, step.outcome === 'retry']);
              }
              // Items set back to pending are due again at once for the next claim.
              await db.pool.query("update whatsapp_message_queue set next_attempt_at = now() - interval '1 second' where status = 'pending' and next_attempt_at is not null");
            } else if (step.op === 'cancel') {
              const { rows } = await db.pool.query("select id from whatsapp_message_queue where status in ('pending', 'queued') limit $1", [step.n]);
              await as(db.pool, USERS.demoAdmin, (c) => c.query('select cancel_queue_items($1)', [rows.map((r) => r.id)]), { commit: true });
            } else {
              await db.pool.query("update whatsapp_message_queue set locked_until = now() - interval '1 second' where status in ('queued', 'processing')");
            }
          }
          const raw = (await db.pool.query(`
            select count(*) filter (where status = 'pending')::int as depth,
                   count(*) filter (where status = 'queued')::int as queued,
                   count(*) filter (where status = 'processing')::int as processing,
                   count(*) filter (where status = 'sent')::int as sent,
                   count(*) filter (where status = 'failed')::int as failed,
                   count(*) filter (where status = 'cancelled')::int as cancelled,
                   count(*)::int as total
              from whatsapp_message_queue`)).rows[0];
          const status = await as(db.pool, USERS.demoAdmin, async (c) => (await c.query('select * from queue_status()')).rows[0]);
          expect(status).toMatchObject({
            depth: raw.depth, queued: raw.queued, processing: raw.processing, sent_24h: raw.sent, failed_24h: raw.failed,
          });
          const rollup = (await db.pool.query(
            'select sum(queued)::int q, sum(sent)::int s, sum(failed)::int f, sum(cancelled)::int c from queue_performance_metrics')).rows[0];
          expect(rollup.q ?? 0).toBe(raw.total);
          expect(rollup.s ?? 0).toBe(raw.sent);
          expect(rollup.f ?? 0).toBe(raw.failed);
          expect(rollup.c ?? 0).toBe(raw.cancelled);
          const hourly = await as(db.pool, USERS.demoAdmin, async (c) => (await c.query('select * from queue_hourly_throughput(2)')).rows);
          expect(hourly).toHaveLength(2);
          expect(hourly.reduce((sum, h) => sum + h.sent, 0)).toBe(raw.sent);
          const perf = await as(db.pool, USERS.demoManager, async (c) => (await c.query('select * from queue_user_performance(7)')).rows);
          if (raw.total > 0) {
            expect(perf).toEqual([expect.objectContaining({ user_id: USERS.demoAdmin.id, email: 'test@test.test', total_queued: raw.total, sent: raw.sent })]);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a manager sees the client’s totals; another client sees none of them', async () => {
    await reset();
    const leads = await createLeads(db.pool, 3, DEMO_CLIENT_ID, 'scope');
    await insertItems(db.pool, leads);
    const manager = await as(db.pool, USERS.demoManager, async (c) => (await c.query('select * from queue_status()')).rows[0]);
    const other = await as(db.pool, USERS.otherAdmin, async (c) => (await c.query('select * from queue_status()')).rows[0]);
    expect(manager.depth).toBe(3);
    expect(manager.processing_state).toBe('running');
    expect(other.depth).toBe(0);
    expect(other.processing_state).toBe('paused');
  });
});

describe('queue_alerts fire exactly at their thresholds', () => {
  beforeEach(async () => {
    await reset();
    await db.pool.query("update user_queue_settings set processing_state = 'running', business_hours = $1, holiday_calendar = 'none', closed_dates = '{}'", [ALWAYS_OPEN]);
  });
  const alerts = async () =>
    as(db.pool, USERS.demoAdmin, async (c) => (await c.query('select * from queue_alerts()')).rows.map((r) => r.code as string));

  it('queue depth: 501 fires, 500 does not', async () => {
    const leads = await createLeads(db.pool, 501, DEMO_CLIENT_ID, 'depth');
    // Enough sent this hour that the throughput alert stays quiet.
    const sent = await createLeads(db.pool, 20, DEMO_CLIENT_ID, 'depth-sent');
    await insertItems(db.pool, sent, { status: 'sent' });
    await insertItems(db.pool, leads.slice(0, 500));
    expect(await alerts()).not.toContain('queue_depth');
    await insertItems(db.pool, leads.slice(500));
    expect(await alerts()).toContain('queue_depth');
  });

  it('throughput: 19 sent in the open hour with work waiting fires, 20 does not; closed hours or no work never fire', async () => {
    const waiting = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'tp-wait');
    await insertItems(db.pool, waiting);
    const sent = await createLeads(db.pool, 20, DEMO_CLIENT_ID, 'tp-sent');
    await insertItems(db.pool, sent.slice(0, 19), { status: 'sent' });
    expect(await alerts()).toContain('low_throughput');
    await insertItems(db.pool, sent.slice(19), { status: 'sent' });
    expect(await alerts()).not.toContain('low_throughput');
    await db.pool.query("delete from whatsapp_message_queue where status = 'sent'");
    await db.pool.query('update user_queue_settings set business_hours = $1', [ALWAYS_CLOSED]);
    expect(await alerts()).not.toContain('low_throughput');
    await db.pool.query('update user_queue_settings set business_hours = $1', [ALWAYS_OPEN]);
    await db.pool.query("delete from whatsapp_message_queue where status = 'pending'");
    expect(await alerts()).not.toContain('low_throughput');
  });

  it('failure rate: 11 of 100 fires, 10 of 100 does not', async () => {
    const leads = await createLeads(db.pool, 101, DEMO_CLIENT_ID, 'fr');
    await insertItems(db.pool, leads.slice(0, 90), { status: 'sent' });
    await insertItems(db.pool, leads.slice(90, 100), { status: 'failed' });
    expect(await alerts()).not.toContain('failure_rate');
    await insertItems(db.pool, leads.slice(100), { status: 'failed' });
    expect(await alerts()).toContain('failure_rate');
  });

  it('repeated 429s: three in the last hour fire, two do not', async () => {
    const insert429 = () =>
      db.pool.query(
        "insert into queue_audit_log (client_id, user_id, action, details) values ($1, $2, 'retry_scheduled', '{\"error_code\":\"http_429\"}')",
        [DEMO_CLIENT_ID, USERS.demoAdmin.id],
      );
    await insert429();
    await insert429();
    expect(await alerts()).not.toContain('rate_limited');
    await insert429();
    expect(await alerts()).toContain('rate_limited');
  });

  it('business-hours violations: one logged rejection fires, other rejections do not', async () => {
    // The row enqueue_leads writes when it refuses (tests/integration/functions-queue-leads.test.ts goes through HTTP).
    const reject = (code: string) =>
      db.pool.query(
        "insert into queue_audit_log (client_id, user_id, action, details) values ($1, $2, 'queue_rejected', jsonb_build_object('code', $3::text))",
        [DEMO_CLIENT_ID, USERS.demoAdmin.id, code],
      );
    await reject('capacity_exceeded');
    expect(await alerts()).not.toContain('business_hours_violation');
    await reject('business_closed');
    expect(await alerts()).toContain('business_hours_violation');
  });
});

describe('the throughput and the alerts of one client', () => {
  beforeEach(reset);

  it('for a member of two clients: each client alone with for_client, both without; RLS still decides what is visible', async () => {
    await db.pool.query("insert into client_members (client_id, user_id, role) values ($1, $2, 'manager')", [OTHER_CLIENT_ID, USERS.demoManager.id]);
    try {
      const sent = (client: string, user: string, n: number) =>
        db.pool.query("insert into queue_performance_metrics (user_id, client_id, hour, sent) values ($1, $2, date_trunc('hour', now()), $3)", [user, client, n]);
      await sent(DEMO_CLIENT_ID, USERS.demoAdmin.id, 2);
      await sent(OTHER_CLIENT_ID, USERS.otherAdmin.id, 5);
      const audit = (client: string, user: string, action: string, details: string) =>
        db.pool.query('insert into queue_audit_log (client_id, user_id, action, details) values ($1, $2, $3, $4::jsonb)', [client, user, action, details]);
      for (let i = 0; i < 3; i += 1) await audit(DEMO_CLIENT_ID, USERS.demoAdmin.id, 'retry_scheduled', '{"error_code":"http_429"}');
      await audit(OTHER_CLIENT_ID, USERS.otherAdmin.id, 'queue_rejected', '{"code":"business_closed"}');

      const seen = (user: typeof USERS.demoManager | typeof USERS.demoAdmin, client: string | null) =>
        as(db.pool, user, async (c) => ({
          sent: (await c.query('select sent from queue_hourly_throughput(2, $1)', [client])).rows.reduce((sum, h) => sum + h.sent, 0) as number,
          alerts: (await c.query('select code from queue_alerts($1) order by code', [client])).rows.map((r) => r.code as string),
        }));
      expect(await seen(USERS.demoManager, DEMO_CLIENT_ID)).toEqual({ sent: 2, alerts: ['rate_limited'] });
      expect(await seen(USERS.demoManager, OTHER_CLIENT_ID)).toEqual({ sent: 5, alerts: ['business_hours_violation'] });
      expect(await seen(USERS.demoManager, null)).toEqual({ sent: 7, alerts: ['business_hours_violation', 'rate_limited'] });
      // Naming a client the caller is not a member of shows nothing of it.
      expect(await seen(USERS.demoAdmin, OTHER_CLIENT_ID)).toEqual({ sent: 0, alerts: [] });
      expect(await seen(USERS.demoAdmin, null)).toEqual({ sent: 2, alerts: ['rate_limited'] });
    } finally {
      await db.pool.query('delete from client_members where client_id = $1 and user_id = $2', [OTHER_CLIENT_ID, USERS.demoManager.id]);
    }
  });
});

describe('is_window_open in SQL', () => {
  const openAt = async (at: string) =>
    (await db.pool.query(
      'select private.is_window_open(s, $1::timestamptz) o from user_queue_settings s where user_id = $2', [at, USERS.demoAdmin.id],
    )).rows[0].o as boolean;

  it('follows the admin’s weekday hours, zone, holidays and closed dates', async () => {
    await db.pool.query(
      "update user_queue_settings set timezone = 'Asia/Jerusalem', business_hours = default, holiday_calendar = 'IL', closed_dates = '{2030-01-16}' where user_id = $1",
      [USERS.demoAdmin.id],
    );
    expect(await openAt('2024-01-15T09:00:00+02:00')).toBe(true); // Monday 09:00
    expect(await openAt('2024-01-15T17:00:00+02:00')).toBe(true); // spec: 17:00 still inside
    expect(await openAt('2024-01-15T17:01:00+02:00')).toBe(false);
    expect(await openAt('2024-01-15T08:59:00+02:00')).toBe(false);
    expect(await openAt('2024-01-13T10:00:00+02:00')).toBe(false); // Saturday
    expect(await openAt('2024-10-03T10:00:00+03:00')).toBe(false); // Rosh Hashana (Thursday)
    expect(await openAt('2030-01-16T10:00:00+02:00')).toBe(false); // own closed date (Wednesday)
    expect(await openAt('2025-10-26T09:30:00+02:00')).toBe(true); // first Sunday after the DST switch
  });
});
