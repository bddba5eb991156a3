import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { ANON_KEY, SERVICE_ROLE_KEY } from '@leads-queue/local-supabase';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { resetQueueState, type SettingsChange } from './queueState.ts';
import { startTestStack, type TestStack, type TestStackOptions } from '@leads-queue/local-supabase/testing';

export interface StackFixtureOptions extends Omit<TestStackOptions, 'databaseUrl' | 'functionsRoot'> {
  /** SQL run on the fresh database before the stack starts (tables the REST schema cache should see). */
  sql?: string;
  /** Files of a functions folder written to a temporary root used instead of supabase/functions (`echo/index.ts`, `.env`). */
  functionFiles?: Record<string, string>;
}

export interface StackFixture extends Omit<TestStack, 'gateway' | 'stop'> {
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
  /** The common beforeEach: the queue state back to the seed's (see resetQueueState), the Agent DB stand-in answering 200 again. */
  reset(change?: SettingsChange): Promise<void>;
}

async function writeFunctions(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lq-functions-'));
  for (const [file, source] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), source);
  }
  return root;
}

/**
 * The test file's own database (a copy of the migrated, seeded template) and the local stack over it,
 * started in beforeAll and torn down in afterAll; every member is usable from beforeAll on.
 */
export function withStack(options: StackFixtureOptions = {}): StackFixture {
  const { sql, functionFiles, ...stackOptions } = options;
  let root: string | undefined;
  let db: TestDatabase | undefined;
  let stack: TestStack | undefined;
  let running: { db: TestDatabase; stack: TestStack; anon: SupabaseClient; service: SupabaseClient } | undefined;

  beforeAll(async () => {
    if (functionFiles) root = await writeFunctions(functionFiles);
    db = await createTestDatabase();
    if (sql) await db.pool.query(sql);
    stack = await startTestStack({ ...stackOptions, functionsRoot: root, databaseUrl: db.url });
    running = { db, stack, anon: stack.client(), service: stack.client(stack.serviceRoleKey) };
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const started = () => {
    if (!running) throw new Error('withStack(): the stack runs from beforeAll on');
    return running;
  };
  return {
    anonKey: ANON_KEY,
    serviceRoleKey: SERVICE_ROLE_KEY,
    get url() { return started().stack.url; },
    get sink() { return started().stack.sink; },
    get cron() { return started().stack.cron; },
    get pool() { return started().db.pool; },
    get databaseUrl() { return started().db.url; },
    get functionsRoot() { return started() && root; },
    get anon() { return started().anon; },
    get service() { return started().service; },
    client: (key, clientOptions) => started().stack.client(key, clientOptions),
    signIn: (email, password) => started().stack.signIn(email, password),
    async reset(change) {
      const { db: database, stack: current } = started();
      await resetQueueState(database.pool, change);
      current.sink?.reset();
      await current.sink?.resume();
    },
  };
}
