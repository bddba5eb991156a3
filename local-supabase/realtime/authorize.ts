import type pg from 'pg';
import { inTransaction } from '../connections.ts';
import type { RequestAuth } from '../types.ts';

/** What a caller may do on a private topic, as the RLS policies on realtime.messages say. */
export interface ReadPolicies {
  broadcast: boolean;
  presence: boolean;
}

/** Who asks, about which topic (without the `realtime:` prefix), as Realtime sets it before asking. */
async function actAs(client: pg.PoolClient, auth: RequestAuth, topic: string): Promise<void> {
  await client.query(
    `select set_config('role', $1, true), set_config('realtime.topic', $2, true),
            set_config('request.jwt.claims', $3, true), set_config('request.headers', '{}', true)`,
    [auth.role, topic, JSON.stringify(auth.claims)],
  );
}

/** A policy that fails (raises, or names a missing object) denies, as Supabase Realtime treats it. */
function denied(error: unknown, log: (message: string, error?: unknown) => void): false {
  log('realtime.messages policy check failed', error);
  return false;
}

/**
 * Supabase Realtime's join check: as the superuser, insert one broadcast and one presence row for the topic;
 * then, as the caller (role, claims, realtime.topic set), select them back: RLS decides which are visible.
 * Everything is rolled back. `pool` connects as a superuser (the probe rows must get in whatever the policies).
 */
export async function readPolicies(
  pool: pg.Pool,
  auth: RequestAuth,
  topic: string,
  log: (message: string, error?: unknown) => void,
): Promise<ReadPolicies> {
  return inTransaction(
    pool,
    async (client) => {
      const { rows: probes } = await client.query<{ id: string; extension: string }>(
        `insert into realtime.messages (topic, extension) values ($1, 'broadcast'), ($1, 'presence') returning id, extension`,
        [topic],
      );
      await actAs(client, auth, topic);
      const { rows } = await client.query<{ extension: string }>(
        'select extension from realtime.messages where topic = $1 and id = any($2::uuid[])',
        [topic, probes.map((probe) => probe.id)],
      );
      const visible = new Set(rows.map((row) => row.extension));
      return { broadcast: visible.has('broadcast'), presence: visible.has('presence') };
    },
    { commit: false },
  ).catch((error: unknown) => ({ broadcast: denied(error, log), presence: false }));
}

/** Realtime's write check for a client's broadcast on a private topic: may the caller insert a broadcast row? */
export async function broadcastWritePolicy(
  pool: pg.Pool,
  auth: RequestAuth,
  topic: string,
  log: (message: string, error?: unknown) => void,
): Promise<boolean> {
  return inTransaction(
    pool,
    async (client) => {
      await actAs(client, auth, topic);
      await client.query(`insert into realtime.messages (topic, extension) values ($1, 'broadcast')`, [topic]);
      return true;
    },
    { commit: false },
  ).catch((error: unknown) => ((error as { code?: string }).code === '42501' ? false : denied(error, log)));
}

/** True when a read the channel had (broadcast or presence) is denied now: Realtime then closes the channel. */
export function readRevoked(previous: ReadPolicies, current: ReadPolicies): boolean {
  return (previous.broadcast && !current.broadcast) || (previous.presence && !current.presence);
}
