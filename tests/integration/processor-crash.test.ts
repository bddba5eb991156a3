import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcessorProcess, startProcessorProcess, type ProcessorProcess } from '../support/processorProcess.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { createRunningAdmins } from '../support/admins.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * Crash safety with real Deno: four queue-processor processes run at once over 1,000 items of four admins of one
 * client (one invocation works on a pair at a time, so each run is handed its own pair, as the dispatcher's shards
 * are) and two are SIGKILLed mid-batch. Their leases (the items' and the pairs') then lapse (forced, instead of
 * waiting minutes) and later runs finish the work.
 */

const ITEMS = 1000;
const RUNS = 4;
const KILLED = [0, 1];

const stack = withStack({ sink: true });
const processes: ProcessorProcess[] = [];

function startProcessor(name: string): Promise<ProcessorProcess> {
  const started = startProcessorProcess({
    stack,
    name,
    env: { AGENT_DB_TIMEOUT_MS: '5000', QUEUE_BATCH_SIZE: '25', QUEUE_PROCESSOR_BUDGET_MS: '120000', WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' },
  });
  return started.then((processor) => (processes.push(processor), processor));
}

const run = (processor: ProcessorProcess, body: Record<string, unknown> = {}) => runProcessorProcess(processor, stack.serviceRoleKey, body);

const PACE = { processing_delay_ms: 0, batch_size: 25, daily_target: 100000, max_capacity: 100000, rate_limit_per_hour: 100000 };
let admins: string[] = [];

beforeAll(async () => {
  await stack.reset({ ...ALWAYS_OPEN, ...PACE });
  admins = [DEMO_ADMIN_ID, ...(await createRunningAdmins(stack.pool, RUNS - 1, DEMO_CLIENT_ID, 'crash'))];
  await stack.pool.query(
    `update public.user_queue_settings set processing_delay_ms = 0, batch_size = 25, daily_target = 100000, max_capacity = 100000,
       rate_limit_per_hour = 100000 where user_id = any($1)`,
    [admins],
  );
});

afterAll(() => {
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('queue-processor crash safety', () => {
  it('4 overlapping runs, 2 killed mid-batch: every item ends sent, none stuck, no duplicate sends but the killed ones', async () => {
    const ids = (await Promise.all(admins.map((userId) => seedDueItems(stack.pool, { count: ITEMS / RUNS, userId })))).flat();
    const processors = await Promise.all(Array.from({ length: RUNS }, (_, n) => startProcessor(`crash-${n}`)));

    // The Agent DB takes 100 ms a message, and the runs to kill are killed while each has one in flight: a run now
    // holds one item at a time, so a kill between two messages would leave nothing behind to recover.
    stack.sink!.behave({ hangMs: 100 });
    const runs = processors.map((processor, n) => run(processor, { pairs: [{ user_id: admins[n], client_id: DEMO_CLIENT_ID }] }));
    await stack.sink!.waitFor(150, 60_000);
    await expect
      .poll(async () => {
        const { rows } = await stack.pool.query<{ n: number }>(
          `select count(distinct split_part(locked_by, ':', 1))::int as n from public.whatsapp_message_queue
            where status = 'processing' and split_part(locked_by, ':', 1) = any($1)`,
          [KILLED.map((index) => `crash-${index}`)],
        );
        return rows[0]!.n;
      }, { timeout: 30_000, interval: 10 })
      .toBe(KILLED.length);
    for (const index of KILLED) processors[index]!.child.kill('SIGKILL');
    const results = await Promise.all(runs);
    for (const index of KILLED) expect(results[index]).toEqual({ killed: true });

    // The killed runs' leases lapse (as they would after lease_seconds); then ordinary runs finish the work.
    const stuck = await stack.pool.query(
      `update public.whatsapp_message_queue set locked_until = now() - interval '1 second'
        where status in ('queued', 'processing') returning id`,
    );
    expect(stuck.rowCount).toBeGreaterThan(0);
    await stack.pool.query(`update private.pair_pacing set lease_until = now() - interval '1 second' where lease_until is not null`);
    const survivor = processors[RUNS - 1]!;
    for (let round = 0; round < 10; round += 1) {
      const { rows } = await stack.pool.query<{ n: number }>(
        `select count(*)::int as n from public.whatsapp_message_queue where id = any($1) and status in ('pending', 'queued', 'processing')`,
        [ids],
      );
      if (rows[0]!.n === 0) break;
      const finished = await run(survivor);
      expect(finished).toMatchObject({ status: 200 });
    }

    const { rows: final } = await stack.pool.query<{ status: string; n: number }>(
      `select status::text, count(*)::int as n from public.whatsapp_message_queue where id = any($1) group by 1`,
      [ids],
    );
    expect(Object.fromEntries(final.map((row) => [row.status, row.n]))).toEqual({ sent: ITEMS });

    // Which items a killed run had started (webhook possibly posted before the kill).
    const killedPrefixes = KILLED.map((index) => `crash-${index}:%`);
    const { rows: startedByKilled } = await stack.pool.query<{ id: string }>(
      `select distinct queue_item_id as id from public.queue_audit_log
        where action = 'started' and details->>'worker' like any($1)`,
      [killedPrefixes],
    );
    const killedInFlight = new Set(startedByKilled.map((row) => row.id));

    const seen = new Map<string, number>();
    for (const received of stack.sink!.received) {
      expect(received.verified).toBe(true);
      seen.set(received.webhookId!, (seen.get(received.webhookId!) ?? 0) + 1);
    }
    expect(new Set(seen.keys())).toEqual(new Set(ids));
    const duplicates = [...seen].filter(([, count]) => count > 1);
    for (const [id, count] of duplicates) {
      expect(killedInFlight.has(id), `${id} was posted ${count} times without a killed run`).toBe(true);
      expect(count).toBe(2);
    }
    expect(duplicates.length).toBeLessThanOrEqual(killedInFlight.size);
    // Each repeat said it was one, and the Agent DB stand-in started one conversation per item all the same.
    for (const received of stack.sink!.received.filter((entry) => entry.duplicate)) {
      expect((received.body as { metadata: { redelivery: boolean; attempt: number } }).metadata).toMatchObject({ redelivery: true });
    }
    expect(stack.sink!.counts()).toEqual({ messages: ITEMS, duplicates: duplicates.length });
    if (process.env.LQ_CRASH_REPORT) {
      console.info(JSON.stringify({ stuckAfterKill: stuck.rowCount, killedInFlight: killedInFlight.size, duplicates: duplicates.length, received: stack.sink!.received.length }));
    }
  }, 240_000);
});
