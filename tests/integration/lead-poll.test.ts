import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../supabase/functions/queue-processor/processor.ts';
import { invoke } from '../support/invoke.ts';
import { createLeads, seedDueItems } from '../support/queueItems.ts';
import { ALWAYS_OPEN } from '../support/queueState.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

/**
 * The lead grid's poll while its live channel is down (src/hooks/useLeadPoll.ts) reads the leads changed since a
 * mark of the server's clock: the SPA's own service, through supabase-js and the gateway, signed in as a member.
 */

const session = vi.hoisted(() => ({ client: null as SupabaseClient | null }));
vi.mock('@/integrations/supabase/client', () => ({
  get supabase() {
    return session.client;
  },
}));
const { listLeadsChangedSince } = await import('@/services/leads/leadService');

const stack = withStack({ functions: true, sink: true, env: { WHATSAPP_RATE_LIMIT_PER_HOUR: '100000' } });

beforeEach(async () => {
  await stack.reset({ ...ALWAYS_OPEN, processing_delay_ms: 0, rate_limit_per_hour: 100000 });
  session.client = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
});

describe('the lead grid’s poll', () => {
  it('reads the leads the real processor just sent to, after the mark, and none of another client’s', async () => {
    const { newest: mark, leads: none } = await listLeadsChangedSince(DEMO_CLIENT_ID, null, 0);
    expect(none).toEqual([]);
    expect(mark).not.toBeNull();

    const items = await seedDueItems(stack.pool, { count: 3, userId: DEMO_ADMIN_ID });
    const { rows } = await stack.pool.query<{ lead_id: string }>('select lead_id from public.whatsapp_message_queue where id = any($1)', [items]);
    const sentTo = rows.map((row) => row.lead_id).sort();
    const [elsewhere] = await createLeads(stack.pool, 1, OTHER_CLIENT_ID, 'elsewhere');
    // The seeding itself changed the leads: the mark that matters is the one just after it, so only the sends count.
    const seeded = (await listLeadsChangedSince(DEMO_CLIENT_ID, null, 0)).newest!;
    const before = new Date(Date.parse(seeded) + 1).toISOString();
    expect((await listLeadsChangedSince(DEMO_CLIENT_ID, before, 500)).leads).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const run = await invoke<RunSummary>(stack.service, 'queue-processor', {});
    expect(run.body.totals).toMatchObject({ sent: 3 });
    await stack.pool.query(`update public.leads set name = 'Renamed elsewhere' where id = $1`, [elsewhere]);

    const delta = await listLeadsChangedSince(DEMO_CLIENT_ID, before, 500);
    expect(delta.leads.map((lead) => lead.id).sort()).toEqual(sentTo);
    for (const lead of delta.leads) expect(lead.last_contacted_at).not.toBeNull();
    expect(Object.keys(delta.leads[0]!)).not.toContain('updated_at');
    expect(Date.parse(delta.newest!)).toBeGreaterThan(Date.parse(before));
    expect(delta.more).toBe(false);

    // Asked for another client's leads, RLS answers nothing.
    expect((await listLeadsChangedSince(OTHER_CLIENT_ID, mark, 500)).leads).toEqual([]);

    const capped = await listLeadsChangedSince(DEMO_CLIENT_ID, before, 2);
    expect(capped.leads).toHaveLength(2);
    expect(capped.more).toBe(true);
  });
});
