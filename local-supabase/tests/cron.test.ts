import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCron } from '../index.ts';
import { withTestStack } from '../testing/vitest.ts';

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

const stack = withTestStack({
  functions: true,
  functionFiles: { 'queue-processor/index.ts': SLOW_PROCESSOR, 'calls.log': '' },
  cronIntervalMs: 40,
  cronSql: { sql: 'select current_user', intervalMs: 150 },
  realtime: false,
});

async function calls(): Promise<Array<{ body: unknown; seen: number; authorization: string }>> {
  const text = await readFile(path.join(stack.functionsRoot!, 'calls.log'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('pg_cron stand-in', () => {
  it('runs a SQL job as the database owner, as pg_cron does, and records what it returned', async () => {
    const cron = stack.sqlCron!;
    await expect.poll(() => cron.runs.length, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    expect(cron.runs.every((run) => run.error === null && run.status === null)).toBe(true);
    expect(cron.runs[0]!.result).toBe('postgres');
    for (let i = 1; i < cron.runs.length; i += 1) expect(cron.runs[i]!.startedAt).toBeGreaterThanOrEqual(cron.runs[i - 1]!.finishedAt);
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
    const cron = startCron({ url: stack.url, serviceRoleKey: stack.serviceRoleKey, intervalMs: 0, functionName: 'queue-processor' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cron.runs).toHaveLength(0);
    await cron.stop();
  });
});
