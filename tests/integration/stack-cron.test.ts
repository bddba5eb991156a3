import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCron } from '../../local-supabase/cron.ts';
import { withStack } from '../support/withStack.ts';

// A queue-processor stand-in that takes longer than the cron interval and logs how many runs overlapped.
const SLOW_PROCESSOR = `
let inFlight = 0;
Deno.serve(async (req) => {
  inFlight += 1;
  const seen = inFlight;
  const body = await req.json();
  await new Promise((resolve) => setTimeout(resolve, 250));
  Deno.writeTextFileSync(new URL('../calls.log', import.meta.url), JSON.stringify({ body, seen, authorization: req.headers.get('authorization') }) + '\\n', { append: true });
  inFlight -= 1;
  return Response.json({ processed: 0 });
});
`;

const stack = withStack({
  functions: true,
  functionFiles: { 'queue-processor/index.ts': SLOW_PROCESSOR, 'calls.log': '' },
  cronIntervalMs: 40,
  purgeIntervalMs: 150,
  realtime: false,
});

async function calls(): Promise<Array<{ body: unknown; seen: number; authorization: string }>> {
  const text = await readFile(path.join(stack.functionsRoot!, 'calls.log'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('pg_cron stand-in', () => {
  it('runs the retention purge, as the queue-purge job does: audit rows past their client’s retention go', async () => {
    const { rows } = await stack.pool.query<{ id: string }>(
      `insert into public.queue_audit_log (client_id, action, created_at) values ('11111111-1111-4111-8111-111111111111', 'note', now() - interval '400 days') returning id`);
    const cron = stack.cron!;
    await expect.poll(() => cron.purges.filter((purge) => purge.status === 200).length, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect(cron.purges[0]).toMatchObject({ status: 200, removed: { items: expect.any(Number), audit_rows: expect.any(Number), receipts: expect.any(Number) } });
    const left = await stack.pool.query('select id from public.queue_audit_log where id = $1', [rows[0]!.id]);
    expect(left.rows).toEqual([]);
  });

  it('POSTs {trigger:"cron"} to queue-processor with the service role key, never overlapping itself', async () => {
    const cron = stack.cron!;
    await expect.poll(async () => (await calls()).length, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(3);
    await cron.stop();
    const logged = await calls();
    expect(logged.every((call) => call.seen === 1)).toBe(true);
    expect(logged[0]).toMatchObject({ body: { trigger: 'cron' }, authorization: `Bearer ${stack.serviceRoleKey}` });
    expect(cron.skipped).toBeGreaterThan(0);
    expect(cron.runs.every((run) => run.status === 200)).toBe(true);
    for (let i = 1; i < cron.runs.length; i += 1) expect(cron.runs[i]!.startedAt).toBeGreaterThanOrEqual(cron.runs[i - 1]!.finishedAt);
  });

  it('is off when the interval is 0', async () => {
    const cron = startCron({ url: stack.url, serviceRoleKey: stack.serviceRoleKey, intervalMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cron.runs).toHaveLength(0);
    await cron.stop();
  });
});
