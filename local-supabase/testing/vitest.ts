import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { ANON_KEY, SERVICE_ROLE_KEY } from '../keys.ts';
import { cloneDatabase, type ClonedDatabase, type CloneOptions } from './cluster.ts';
import { startTestStack, type TestStack, type TestStackOptions } from './stack.ts';

/**
 * vitest helpers (`@leads-queue/local-supabase/vitest`): each test file gets its own copy of the template
 * that clusterGlobalSetup prepared, and the stack over it, from beforeAll to afterAll.
 */

export type { ClonedDatabase, CloneOptions } from './cluster.ts';

/** A copy of this run's template database (see clusterGlobalSetup), private to the calling test file. */
export function createClonedDatabase(options: CloneOptions = {}): Promise<ClonedDatabase> {
  return cloneDatabase(inject('localSupabaseCluster'), options);
}

/** The file's own database, created before its tests and dropped after them. */
export function withClonedDatabase(create: () => Promise<ClonedDatabase> = createClonedDatabase): Omit<ClonedDatabase, 'close'> {
  let db: ClonedDatabase | undefined;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db?.close();
  });
  const ready = (): ClonedDatabase => {
    if (!db) throw new Error('withClonedDatabase(): the database exists from beforeAll on');
    return db;
  };
  return {
    get name() { return ready().name; },
    get url() { return ready().url; },
    get pool() { return ready().pool; },
  };
}

export interface StackFixtureOptions extends Omit<TestStackOptions, 'databaseUrl' | 'functionsRoot'> {
  /** The file's database (createClonedDatabase() by default). */
  database?: () => Promise<ClonedDatabase>;
  /** SQL run on the fresh database before the stack starts (tables the REST schema cache should see). */
  sql?: string;
  /** Files of a functions folder written to a temporary root used instead of supabase/functions (`echo/index.ts`, `.env`). */
  functionFiles?: Record<string, string>;
}

export interface StackFixture extends Omit<TestStack, 'stop'> {
  /** Superuser pool on this file's database. */
  pool: pg.Pool;
  /** Superuser connection string of this file's database. */
  databaseUrl: string;
  /** The temporary functions folder written from `functionFiles` (undefined without them). */
  functionsRoot: string | undefined;
  /** supabase-js with the anon key. */
  anon: SupabaseClient;
  /** supabase-js with the service-role key. */
  service: SupabaseClient;
}

async function writeFunctions(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'local-supabase-functions-'));
  for (const [file, source] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), source);
  }
  return root;
}

/**
 * The test file's own database and the local stack over it, started in beforeAll and torn down in afterAll;
 * every member is usable from beforeAll on.
 */
export function withTestStack(options: StackFixtureOptions = {}): StackFixture {
  const { database = createClonedDatabase, sql, functionFiles, ...stackOptions } = options;
  let root: string | undefined;
  let db: ClonedDatabase | undefined;
  let stack: TestStack | undefined;
  let running: { db: ClonedDatabase; stack: TestStack; anon: SupabaseClient; service: SupabaseClient } | undefined;

  beforeAll(async () => {
    if (functionFiles) root = await writeFunctions(functionFiles);
    db = await database();
    if (sql) await db.pool.query(sql);
    stack = await startTestStack({ ...stackOptions, functionsRoot: root, databaseUrl: db.url });
    running = { db, stack, anon: stack.client(), service: stack.client(SERVICE_ROLE_KEY) };
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const started = () => {
    if (!running) throw new Error('withTestStack(): the stack runs from beforeAll on');
    return running;
  };
  return {
    anonKey: ANON_KEY,
    serviceRoleKey: SERVICE_ROLE_KEY,
    get url() { return started().stack.url; },
    get gateway() { return started().stack.gateway; },
    get sink() { return started().stack.sink; },
    get cron() { return started().stack.cron; },
    get sqlCron() { return started().stack.sqlCron; },
    get pgNet() { return started().stack.pgNet; },
    get mailUrl() { return started().stack.mailUrl; },
    get pool() { return started().db.pool; },
    get databaseUrl() { return started().db.url; },
    get functionsRoot() { return started() && root; },
    get anon() { return started().anon; },
    get service() { return started().service; },
    client: (key, clientOptions) => started().stack.client(key, clientOptions),
    signIn: (email, password) => started().stack.signIn(email, password),
  };
}
