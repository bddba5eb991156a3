import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { invoke } from '../support/invoke.ts';
import { runProcessorProcess, startProcessorProcess, type ProcessorProcess } from '../support/processorProcess.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * Never twice: a processor SIGKILLed after its POST reached the Agent DB and before complete_queue_item. The item's
 * lease lapses; the next run sends it again with the same webhook-id, saying it is attempt 2 and a redelivery, and
 * the Agent DB stand-in (which keeps the dedupe contract) answers with the first triggerId and starts nothing.
 */

const stack = withStack({ functions: true, sink: true, env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' } });
let doomed: ProcessorProcess | undefined;

beforeEach(() => stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0, rate_limit_per_hour: 100000 }));
afterAll(() => {
  if (doomed?.child.exitCode === null) doomed.child.kill('SIGKILL');
});

describe('a processor killed between the POST and complete', () => {
  it('is followed by a redelivery with the same webhook-id and redelivery: true; one message, one duplicate', async () => {
    const [id] = await seedDueItems(stack.pool, { count: 1, userId: DEMO_ADMIN_ID });
    doomed = await startProcessorProcess({ stack, name: 'doomed', env: { AGENT_DB_TIMEOUT_MS: '20000', QUEUE_PROCESSOR_BUDGET_MS: '120000' } });
    // The Agent DB accepts the message and is slow to answer: the processor dies waiting.
    stack.sink!.behave({ hangMs: 25_000, times: 1 });
    const dying = runProcessorProcess(doomed, stack.serviceRoleKey);
    await expect.poll(() => stack.sink!.received.length, { timeout: 30_000 }).toBe(1);
    doomed.child.kill('SIGKILL');
    expect(await dying).toEqual({ killed: true });

    const inFlight = await stack.pool.query(`select status, attempts, locked_by from public.whatsapp_message_queue where id = $1`, [id]);
    expect(inFlight.rows[0]).toMatchObject({ status: 'processing', attempts: 1 });
    // Its lease lapses (as it would after lease_seconds), and so does the dead run's lease on the admin's pair.
    await stack.pool.query(`update public.whatsapp_message_queue set locked_until = now() - interval '1 second' where id = $1`, [id]);
    await stack.pool.query(`update private.pair_pacing set lease_until = now() - interval '1 second' where lease_owner like 'doomed:%'`);

    const next = await invoke<RunSummary>(stack.service, 'queue-processor', {});
    expect(next.status).toBe(200);
    expect(next.body.totals).toMatchObject({ claimed: 1, sent: 1 });

    const [first, again] = stack.sink!.received;
    expect(again!.webhookId).toBe(first!.webhookId);
    expect(again!.webhookId).toBe(id);
    expect((first!.body as { metadata: unknown }).metadata).toMatchObject({ attempt: 1, redelivery: false });
    expect((again!.body as { metadata: unknown }).metadata).toMatchObject({ attempt: 2, redelivery: true });
    expect(again).toMatchObject({ duplicate: true, status: 200, triggerId: first!.triggerId });
    expect(stack.sink!.counts()).toEqual({ messages: 1, duplicates: 1 });

    const done = await stack.pool.query(`select status, agent_trigger_id, redelivery from public.whatsapp_message_queue where id = $1`, [id]);
    expect(done.rows[0]).toEqual({ status: 'sent', agent_trigger_id: first!.triggerId, redelivery: true });
    const { rows } = await stack.pool.query(
      `select action, details->>'redelivery' as redelivery from public.queue_audit_log where queue_item_id = $1 and action = 'lease_reclaimed'`, [id]);
    expect(rows).toEqual([{ action: 'lease_reclaimed', redelivery: 'true' }]);
  });
});
