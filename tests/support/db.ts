import type pg from 'pg';
import { inTransaction } from '@leads-queue/local-supabase';
import { createClonedDatabase, withClonedDatabase, type ClonedDatabase } from '@leads-queue/local-supabase/vitest';
import { claimsFor, type Actor } from './roles.ts';

export { claimsFor, type Actor };

export type TestDatabase = ClonedDatabase;

/** A fresh copy of the migrated + seeded template, private to the calling test file. */
export const createTestDatabase = (): Promise<TestDatabase> => createClonedDatabase({ prefix: 'lq_test', maxConnections: 20 });

/** The file's own test database, created before its tests and dropped after them (vitest hooks). */
export const withDatabase = (): Omit<TestDatabase, 'close'> => withClonedDatabase(createTestDatabase);

/**
 * Runs `work` in one transaction as PostgREST would for this caller: role switched, claims set.
 * Rolls back unless `commit` is set, so a denied statement never leaks into the next test.
 */
export function as<T>(
  pool: pg.Pool,
  actor: Actor,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { commit?: boolean } = {},
): Promise<T> {
  return inTransaction(
    pool,
    async (client) => {
      await actAs(client, actor);
      return work(client);
    },
    { commit: options.commit ?? false },
  );
}

/** Makes the open transaction on `client` act as PostgREST does for this caller: role switched, claims set (local). */
export async function actAs(client: Pick<pg.PoolClient, 'query'>, actor: Actor): Promise<void> {
  const claims = claimsFor(actor);
  await client.query(
    `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('search_path', 'public, extensions', true)`,
    [String(claims.role), JSON.stringify(claims)],
  );
}

/** Postgres error code of a rejected promise (e.g. '42501'), or null when it resolved. */
export async function sqlstate(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? 'unknown';
  }
}
