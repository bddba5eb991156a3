import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { recreateDatabase } from '../../migrate.ts';
import { databaseUrl } from '../../postgres.ts';

export interface FixtureDatabase {
  name: string;
  /** Superuser connection string. */
  url: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A fresh copy of the fixture template (bootstrap + fixture.sql), private to the calling test file. */
export async function createFixtureDatabase(): Promise<FixtureDatabase> {
  const serverUrl = inject('fixtureServerUrl');
  const name = `ls_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await recreateDatabase(serverUrl, name, inject('fixtureTemplate'));
  const url = databaseUrl(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
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

/** The file's own fixture database, created before its tests and dropped after them. */
export function withFixtureDatabase(): Omit<FixtureDatabase, 'close'> {
  let db: FixtureDatabase | undefined;
  beforeAll(async () => {
    db = await createFixtureDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  const ready = (): FixtureDatabase => {
    if (!db) throw new Error('withFixtureDatabase(): the database exists from beforeAll on');
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
