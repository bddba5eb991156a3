import { describe, expect, it } from 'vitest';
import { DEMO_CLIENT_ID } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

// What `npm start` schedules, and what the queue-purge pg_cron job runs on hosted Supabase.
const stack = withStack({ cronSql: { sql: 'select public.purge_expired_queue_items()', intervalMs: 150 }, realtime: false });

describe('the retention purge as a pg_cron job', () => {
  it('runs on the cron stand-in: audit rows past their client’s retention go, recent ones stay', async () => {
    const { rows } = await stack.pool.query<{ id: string; old: boolean }>(
      `insert into public.queue_audit_log (client_id, action, created_at)
       values ($1, 'note', now() - interval '400 days'), ($1, 'note', now()) returning id, created_at < now() - interval '1 day' as old`,
      [DEMO_CLIENT_ID],
    );
    const cron = stack.sqlCron!;
    await expect.poll(() => cron.runs.filter((run) => run.error === null).length, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect(cron.runs[0]!.result).toMatchObject({ items: expect.any(Number), audit_rows: expect.any(Number), receipts: expect.any(Number) });
    const left = await stack.pool.query<{ id: string }>('select id from public.queue_audit_log where id = any ($1)', [rows.map((row) => row.id)]);
    expect(left.rows.map((row) => row.id)).toEqual(rows.filter((row) => !row.old).map((row) => row.id));
  });
});
