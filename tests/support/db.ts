import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { databaseUrl, inTransaction, recreateDatabase } from '@leads-queue/local-supabase';
import { claimsFor, type Actor } from './roles.ts';

export { claimsFor, type Actor };

export interface TestDatabase {
  name: string;
  /** Superuser connection string for this database. */
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A fresh copy of the migrated + seeded template, private to the calling test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('pgServerUrl');
  const name = `lq_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await recreateDatabase(serverUrl, name, inject('pgTemplate'));
  const url = databaseUrl(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  // close() drops the database with (force): a connection still closing then gets 57P01, which must not crash the run.
  pool.on('error', () => {});
  return {
    name,
    url,
    pool,
    close: async () => {
      await pool.end();
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
      await admin.end();
    },
  };
}

/** The file's own test database, created before its tests and dropped after them (vitest hooks). */
export function withDatabase(): Omit<TestDatabase, 'close'> {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  const ready = (): TestDatabase => {
    if (!db) throw new Error('withDatabase(): the database exists from beforeAll on');
    return db;
  };
  return {
    get name() {
      return ready().name;
    },
    get url() {
      return ready().url;
    },
    get pool() {
      return ready().pool;
    },
  };
}

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
  const claims = claimsFor(actor);
  return inTransaction(
    pool,
    async (client) => {
      await client.query(
        `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('search_path', 'public, extensions', true)`,
        [String(claims.role), JSON.stringify(claims)],
      );
      return work(client);
    },
    { commit: options.commit ?? false },
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
