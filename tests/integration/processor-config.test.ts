import { beforeEach, describe, expect, it } from 'vitest';
import { invoke } from '../support/invoke.ts';
import { seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * Fail fast on a bad configuration: AGENT_DB_WEBHOOK_URL is set (the stand-in) but the secret is not a usable
 * Standard Webhooks secret (whsec_ + base64 of 24 to 64 bytes). A run claims nothing and says why; agent-callback
 * refuses to accept what it cannot verify.
 */

const SHORT_SECRET = `whsec_${Buffer.from('twelve bytes').toString('base64')}`;
const stack = withStack({ functions: true, sink: true, env: { AGENT_DB_WEBHOOK_SECRET: SHORT_SECRET } });

beforeEach(() => stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0 }));

describe('a webhook secret that cannot be used', () => {
  it('one run: nothing claimed or started, nothing sent, a clear error (503 config_error)', async () => {
    const [id] = await seedDueItems(stack.pool, { count: 1, userId: DEMO_ADMIN_ID });
    const run = await invoke(stack.service, 'queue-processor', {});
    expect(run.status).toBe(503);
    expect(run.body.error).toEqual({
      code: 'config_error',
      message: 'Nothing was sent: AGENT_DB_WEBHOOK_SECRET holds 12 bytes; a Standard Webhooks secret holds 24 to 64',
    });
    const { rows } = await stack.pool.query(`select status, attempts, locked_by from public.whatsapp_message_queue where id = $1`, [id]);
    expect(rows[0]).toEqual({ status: 'pending', attempts: 0, locked_by: null });
    const audit = await stack.pool.query(`select action from public.queue_audit_log where queue_item_id = $1 order by id`, [id]);
    expect(audit.rows.map((row) => row.action)).toEqual(['enqueued']);
    expect(stack.sink!.received).toHaveLength(0);
  });

  it('agent-callback refuses every report (503) rather than accept one it cannot verify', async () => {
    const callback = await invoke(stack.anon, 'agent-callback', { event: 'lead_opted_out', lead_id: '00000000-0000-4000-8000-000000000001' });
    expect(callback.status).toBe(503);
    expect(callback.body.error?.code).toBe('config_error');
  });
});
