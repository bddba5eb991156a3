import type pg from 'pg';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID } from './seed.ts';

export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'> | Pick<pg.Client, 'query'>;

export interface ItemSpec {
  status?: string;
  priority?: string;
  scheduledFor?: string; // SQL expression relative to now(), e.g. "now() - interval '1 minute'"
  nextAttemptAt?: string | null;
  attempts?: number;
  maxAttempts?: number;
  lockedBy?: string | null;
  lockedUntil?: string | null;
  processedAt?: string | null;
}

/** Creates `count` fresh leads for a client (superuser), returning their ids. */
export async function createLeads(db: Queryable, count: number, clientId = DEMO_CLIENT_ID, prefix = 'fixture'): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `insert into public.leads (client_id, name, phone)
     select $1, $3 || ' ' || n, '+97250' || lpad((floor(random() * 1e7))::bigint::text, 7, '0') || ''
     from generate_series(1, $2) n
     on conflict do nothing
     returning id`,
    [clientId, count, prefix],
  );
  if (rows.length < count) return [...rows.map((r) => r.id), ...(await createLeads(db, count - rows.length, clientId, prefix))];
  return rows.map((r) => r.id);
}

/** The seed client a seed admin belongs to. */
const clientOf = (userId: string) => (userId === OTHER_ADMIN_ID ? OTHER_CLIENT_ID : DEMO_CLIENT_ID);

/** Inserts queue items directly (superuser, bypassing the API) in any state, one per lead. */
export async function insertItems(db: Queryable, leadIds: string[], spec: ItemSpec = {}, userId = DEMO_ADMIN_ID): Promise<string[]> {
  const clientId = clientOf(userId);
  const status = spec.status ?? 'pending';
  const leased = status === 'queued' || status === 'processing';
  const { rows } = await db.query<{ id: string }>(
    `insert into public.whatsapp_message_queue
       (lead_id, client_id, user_id, status, priority, scheduled_for, next_attempt_at, attempts, max_attempts,
        locked_by, locked_until, processed_at)
     select l, $2, $3, $4::public.queue_item_status, $5::public.queue_priority, ${spec.scheduledFor ?? 'now()'},
            ${spec.nextAttemptAt ?? 'null'}, $6, $7, $8, ${spec.lockedUntil ?? (leased ? "now() + interval '5 minutes'" : 'null')},
            ${spec.processedAt ?? (status === 'sent' || status === 'failed' ? 'now()' : 'null')}
     from unnest($1::uuid[]) l
     returning id`,
    [leadIds, clientId, userId, status, spec.priority ?? 'normal', spec.attempts ?? 0, spec.maxAttempts ?? 5,
     spec.lockedBy ?? (leased ? 'fixture-worker' : null)],
  );
  return rows.map((r) => r.id);
}

export async function statusOf(db: Queryable, id: string): Promise<string> {
  const { rows } = await db.query<{ status: string }>('select status from public.whatsapp_message_queue where id = $1', [id]);
  return rows[0]!.status;
}

/** `count` fresh leads of the admin's client, each with one pending queue item of theirs due a minute ago; returns the item ids. */
export async function seedDueItems(
  db: Queryable,
  options: { count: number; userId: string; maxAttempts?: number; priority?: string },
): Promise<string[]> {
  const leads = await createLeads(db, options.count, clientOf(options.userId), 'due');
  return insertItems(db, leads, { scheduledFor: "now() - interval '1 minute'", maxAttempts: options.maxAttempts, priority: options.priority }, options.userId);
}

/** A row of public.queue_outlook as node-postgres returns it. */
export interface OutlookRow {
  queue_item_id: string;
  waiting_for: string;
  waiting_until: Date | null;
  expected_send_at: Date | null;
  holiday_name: string | null;
  error_code: string | null;
  attempt: number;
  max_attempts: number;
}
