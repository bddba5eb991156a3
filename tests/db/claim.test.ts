import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { withDatabase } from '../support/db.ts';
import { USERS } from '../support/seed.ts';
import { createLeads, insertItems, statusOf } from '../support/queueItems.ts';

const db = withDatabase();

const PRIORITY_RANK: Record<string, number> = { immediate: 3, high: 2, normal: 1, low: 0 };

interface Claimed {
  id: string;
  priority: string;
  scheduled_for: Date;
  attempts: number;
  status: string;
  locked_by: string;
}

/** Negative when `a` must be claimed before `b`: priority (immediate first), then scheduled_for, then id. */
function claimOrder(a: Claimed, b: Claimed): number {
  return (
    PRIORITY_RANK[b.priority]! - PRIORITY_RANK[a.priority]! ||
    a.scheduled_for.getTime() - b.scheduled_for.getTime() ||
    (a.id < b.id ? -1 : 1)
  );
}

async function claim(client: pg.Pool | pg.PoolClient, worker: string, max: number, lease = 300, forUser: string | null = null, startNow = false) {
  const { rows } = await client.query<Claimed>('select * from public.claim_queue_batch($1, $2, $3, $4, $5)', [worker, max, lease, forUser, startNow]);
  return rows;
}

async function auditOf(id: string): Promise<{ action: string; from_status: string | null; to_status: string; worker: string | null }[]> {
  const { rows } = await db.pool.query(
    "select action, from_status, to_status, details->>'worker' as worker from public.queue_audit_log where queue_item_id = $1 order by id",
    [id],
  );
  return rows;
}

describe('claim_queue_batch', () => {
  it('8 connections claiming in parallel from 5,000 due items claim each exactly once, in priority order per batch', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 5000, undefined, 'claim');
    const priorities = ['low', 'normal', 'high', 'immediate'];
    for (let i = 0; i < 4; i++) {
      await insertItems(db.pool, leads.slice(i * 1250, (i + 1) * 1250), {
        priority: priorities[i]!,
        scheduledFor: `date_trunc('second', now() - make_interval(secs => ${i * 10} + random() * 100))`,
      });
    }
    const pools = Array.from({ length: 8 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    const seen = new Map<string, string>();
    try {
      await Promise.all(
        pools.map(async (pool, w) => {
          for (;;) {
            const batch = await claim(pool, `worker-${w}`, 25);
            if (batch.length === 0) return;
            for (let i = 1; i < batch.length; i++) {
              const prev = batch[i - 1]!;
              const cur = batch[i]!;
              expect(claimOrder(prev, cur), `${prev.id} before ${cur.id}`).toBeLessThan(0);
            }
            for (const item of batch) {
              expect(seen.has(item.id), `item ${item.id} claimed twice`).toBe(false);
              seen.set(item.id, `worker-${w}`);
              expect(item.status).toBe('queued');
              expect(item.attempts).toBe(1);
              expect(item.locked_by).toBe(`worker-${w}`);
            }
          }
        }),
      );
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    expect(seen.size).toBe(5000);
    const { rows } = await db.pool.query<{ n: number }>(
      "select count(*)::int n from public.whatsapp_message_queue where status = 'queued' and locked_until > now()",
    );
    expect(rows[0]!.n).toBe(5000);
    expect(new Set(seen.values()).size).toBeGreaterThan(1);
  });

  it('takes immediate before high before normal before low, then earliest scheduled, then id', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 4, undefined, 'order');
    const [low] = await insertItems(db.pool, [leads[0]!], { priority: 'low', scheduledFor: "now() - interval '1 hour'" });
    const [normal] = await insertItems(db.pool, [leads[1]!], { priority: 'normal', scheduledFor: "now() - interval '2 minutes'" });
    const [high] = await insertItems(db.pool, [leads[2]!], { priority: 'high', scheduledFor: "now() - interval '1 minute'" });
    const [immediate] = await insertItems(db.pool, [leads[3]!], { priority: 'immediate', scheduledFor: 'now()' });
    const batch = await claim(db.pool, 'w', 10);
    expect(batch.map((b) => b.id)).toEqual([immediate, high, normal, low]);
  });

  it('leaves future items and items waiting for next_attempt_at alone', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 3, undefined, 'future');
    const [future] = await insertItems(db.pool, [leads[0]!], { scheduledFor: "now() + interval '1 hour'" });
    const [backingOff] = await insertItems(db.pool, [leads[1]!], { nextAttemptAt: "now() + interval '5 minutes'", attempts: 1 });
    const [due] = await insertItems(db.pool, [leads[2]!], { nextAttemptAt: "now() - interval '1 second'", attempts: 1 });
    const batch = await claim(db.pool, 'w', 10);
    expect(batch.map((b) => b.id)).toEqual([due]);
    expect(await statusOf(db.pool, future!)).toBe('pending');
    expect(await statusOf(db.pool, backingOff!)).toBe('pending');
  });

  it('claims only the named admin’s items when for_user is given', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const demo = await createLeads(db.pool, 2, undefined, 'mine');
    const other = await createLeads(db.pool, 2, '22222222-2222-4222-8222-222222222222', 'theirs');
    await insertItems(db.pool, demo);
    await insertItems(db.pool, other, {}, 'a0000000-0000-4000-8000-000000000003');
    const batch = await claim(db.pool, 'w', 10, 300, 'a0000000-0000-4000-8000-000000000003');
    expect(batch).toHaveLength(2);
    expect(new Set(batch.map((b) => (b as unknown as { user_id: string }).user_id))).toEqual(
      new Set(['a0000000-0000-4000-8000-000000000003']),
    );
  });

  it('reclaims an expired lease with attempts + 1, and the worker that lost it is refused', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 1, undefined, 'lease');
    const [first] = await claim(db.pool, 'dead-worker', 1, 300).then(async (b) => {
      expect(b).toHaveLength(0);
      await insertItems(db.pool, leads);
      return claim(db.pool, 'dead-worker', 1, 300);
    });
    expect(first!.attempts).toBe(1);
    expect((await db.pool.query('select public.start_queue_item($1, $2) ok', [first!.id, 'dead-worker'])).rows[0].ok).toBe(true);
    // The worker dies mid-flight; its lease runs out.
    await db.pool.query("update public.whatsapp_message_queue set locked_until = now() - interval '1 second' where id = $1", [first!.id]);
    const [again] = await claim(db.pool, 'rescuer', 1);
    expect(again!.id).toBe(first!.id);
    expect(again!.attempts).toBe(2);
    expect(again!.locked_by).toBe('rescuer');

    const lost = await db.pool.query('select public.start_queue_item($1, $2) ok', [first!.id, 'dead-worker']);
    expect(lost.rows[0].ok).toBe(false);
    await expect(db.pool.query("select public.complete_queue_item($1, 'dead-worker', 't')", [first!.id])).rejects.toMatchObject({ code: 'LQ409' });
    await expect(
      db.pool.query("select public.fail_queue_item($1, 'dead-worker', 'x', 'http_500', true)", [first!.id]),
    ).rejects.toMatchObject({ code: 'LQ409' });

    expect((await db.pool.query("select public.start_queue_item($1, 'rescuer') ok", [first!.id])).rows[0].ok).toBe(true);
    await db.pool.query("select public.complete_queue_item($1, 'rescuer', 'trigger-1')", [first!.id]);
    expect(await statusOf(db.pool, first!.id)).toBe('sent');
  });

  it('fails an expired item that has no attempts left instead of reclaiming it', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 1, undefined, 'poison');
    const [id] = await insertItems(db.pool, leads, {
      status: 'processing', attempts: 3, maxAttempts: 3, lockedUntil: "now() - interval '1 minute'",
    });
    expect(await claim(db.pool, 'w', 5)).toHaveLength(0);
    const { rows } = await db.pool.query('select status, error_code from public.whatsapp_message_queue where id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'failed', error_code: 'lease_expired' });
  });

  it('start_now claims straight into processing: one transition, audited as started from pending, then completes', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 3, undefined, 'start-now');
    const ids = await insertItems(db.pool, leads);
    const sentInRollup = async () => (await db.pool.query('select coalesce(sum(sent), 0)::int n from public.queue_performance_metrics')).rows[0].n as number;
    const sentBefore = await sentInRollup();
    const batch = await claim(db.pool, 'fast', 2, 300, null, true);
    expect(batch).toHaveLength(2);
    for (const item of batch) expect(item).toMatchObject({ status: 'processing', locked_by: 'fast', attempts: 1 });
    // Nothing left to start: start_queue_item is for queued items only.
    expect((await db.pool.query("select public.start_queue_item($1, 'fast') ok", [batch[0]!.id])).rows[0].ok).toBe(false);
    await db.pool.query("select public.complete_queue_items($1, 'fast', $2)", [batch.map((b) => b.id), ['t-1', 't-2']]);
    for (const item of batch) {
      expect(await statusOf(db.pool, item.id)).toBe('sent');
      expect(await auditOf(item.id)).toEqual([
        { action: 'enqueued', from_status: null, to_status: 'pending', worker: null },
        { action: 'started', from_status: 'pending', to_status: 'processing', worker: 'fast' },
        { action: 'sent', from_status: 'processing', to_status: 'sent', worker: 'fast' },
      ]);
    }
    const untouched = ids.find((id) => !batch.some((b) => b.id === id))!;
    expect(await statusOf(db.pool, untouched)).toBe('pending');
    expect((await sentInRollup()) - sentBefore).toBe(2);
  });

  it('start_now takes over an expired lease straight into processing, audited as lease_reclaimed', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 2, undefined, 'start-now-lease');
    const expired = { attempts: 1, lockedUntil: "now() - interval '1 second'" };
    const [inFlight] = await insertItems(db.pool, [leads[0]!], { status: 'processing', ...expired });
    const [waiting] = await insertItems(db.pool, [leads[1]!], { status: 'queued', ...expired });
    const batch = await claim(db.pool, 'rescuer', 5, 300, null, true);
    expect(batch.map((b) => b.id).sort()).toEqual([inFlight, waiting].sort());
    for (const item of batch) expect(item).toMatchObject({ status: 'processing', locked_by: 'rescuer', attempts: 2 });
    expect((await auditOf(inFlight!)).at(-1)).toEqual({ action: 'lease_reclaimed', from_status: 'processing', to_status: 'processing', worker: 'rescuer' });
    expect((await auditOf(waiting!)).at(-1)).toEqual({ action: 'lease_reclaimed', from_status: 'queued', to_status: 'processing', worker: 'rescuer' });
    await expect(db.pool.query("select public.complete_queue_item($1, 'fixture-worker', 't')", [inFlight])).rejects.toMatchObject({ code: 'LQ409' });
    await db.pool.query("select public.complete_queue_item($1, 'rescuer', 't')", [inFlight]);
    expect(await statusOf(db.pool, inFlight!)).toBe('sent');
  });

  it('daily_cap: concurrent claims for one admin never take more than the cap minus sent today and in flight', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 26, undefined, 'cap');
    await insertItems(db.pool, leads.slice(0, 2), { status: 'sent', processedAt: "now() - interval '1 minute'" });
    // Sent yesterday (outside `today`) and failed today do not count; a live lease does, an expired one is taken back.
    await insertItems(db.pool, [leads[2]!], { status: 'sent', processedAt: "now() - interval '2 days'" });
    await insertItems(db.pool, [leads[3]!], { status: 'failed' });
    await insertItems(db.pool, [leads[4]!], { status: 'processing', attempts: 1 });
    await insertItems(db.pool, [leads[5]!], { status: 'queued', attempts: 1, lockedUntil: "now() - interval '1 second'" });
    await insertItems(db.pool, leads.slice(6));
    const pools = Array.from({ length: 8 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const batches = await Promise.all(
        pools.map(async (pool, w) => {
          const { rows } = await pool.query<Claimed>(
            `select * from public.claim_queue_batch($1, 3, 300, $2, true, 8, tstzrange(now() - interval '1 day', now() + interval '1 hour'))`,
            [`capped-${w}`, USERS.demoAdmin.id],
          );
          return rows;
        }),
      );
      // 8 - 2 sent today - 1 live lease = 5, the expired lease among them.
      const claimed = batches.flat();
      expect(claimed).toHaveLength(5);
      expect(new Set(claimed.map((c) => c.id)).size).toBe(5);
      const again = await claim(db.pool, 'late', 3, 300, USERS.demoAdmin.id, true);
      expect(again).toHaveLength(3); // without a cap nothing holds it back
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('daily_cap without for_user or a bounded today is refused (22023)', async () => {
    for (const sql of [
      "select * from public.claim_queue_batch('w', 3, 300, null, false, 5, tstzrange(now(), now() + interval '1 day'))",
      "select * from public.claim_queue_batch('w', 3, 300, $1, false, 5, null)",
      "select * from public.claim_queue_batch('w', 3, 300, $1, false, 5, tstzrange(now(), null))",
      "select * from public.claim_queue_batch('w', 3, 300, $1, false, -1, tstzrange(now(), now() + interval '1 day'))",
    ]) {
      const params = sql.includes('$1') ? [USERS.demoAdmin.id] : [];
      await expect(db.pool.query(sql, params), sql).rejects.toMatchObject({ code: '22023' });
    }
  });

  it('rejects nonsense arguments with 22023', async () => {
    await expect(claim(db.pool, 'w', 0)).rejects.toMatchObject({ code: '22023' });
    await expect(claim(db.pool, '', 5)).rejects.toMatchObject({ code: '22023' });
    await expect(claim(db.pool, 'w', 5, 0)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('release_queue_items', () => {
  it('gives claimed but unstarted items back without spending their attempt, only for the lease holder', async () => {
    await db.pool.query('delete from public.whatsapp_message_queue');
    const leads = await createLeads(db.pool, 2, undefined, 'release');
    await insertItems(db.pool, leads);
    const batch = await claim(db.pool, 'w', 2);
    const ids = batch.map((b) => b.id);
    expect((await db.pool.query("select release_queue_items($1, 'intruder') n", [ids])).rows[0].n).toBe(0);
    expect((await db.pool.query("select release_queue_items($1, 'w') n", [ids])).rows[0].n).toBe(2);
    const { rows } = await db.pool.query('select status, attempts, locked_by from whatsapp_message_queue where id = any($1)', [ids]);
    expect(rows).toEqual([
      { status: 'pending', attempts: 0, locked_by: null },
      { status: 'pending', attempts: 0, locked_by: null },
    ]);
    const retried = await db.pool.query("select coalesce(sum(retried), 0)::int n from queue_performance_metrics");
    expect(retried.rows[0].n).toBe(0);
    const actions = await db.pool.query("select count(*)::int n from queue_audit_log where action = 'released' and queue_item_id = any($1)", [ids]);
    expect(actions.rows[0].n).toBe(2);
  });
});
