import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SupabaseClient } from '@supabase/supabase-js';
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { Gateway } from '../../gateway.ts';
import { ANON_KEY, SERVICE_ROLE_KEY } from '../../keys.ts';
import { startTestStack, type TestStack, type TestStackOptions } from '../../testing/stack.ts';
import { createFixtureDatabase, type FixtureDatabase } from './database.ts';

export interface LocalStackFixtureOptions extends Omit<TestStackOptions, 'databaseUrl' | 'functionsRoot'> {
  /** Files of a functions folder written to a temporary root (`echo/index.ts`, `.env`). */
  functionFiles?: Record<string, string>;
}

export interface LocalStackFixture extends Omit<TestStack, 'stop'> {
  gateway: Gateway;
  /** Superuser pool on this file's database. */
  pool: pg.Pool;
  databaseUrl: string;
  functionsRoot: string | undefined;
  /** supabase-js with the anon key, and with the service-role key. */
  anon: SupabaseClient;
  service: SupabaseClient;
}

async function writeFunctions(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ls-functions-'));
  for (const [file, source] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), source);
  }
  return root;
}

/** The stack over this file's own fixture database, from beforeAll to afterAll. */
export function withLocalStack(options: LocalStackFixtureOptions = {}): LocalStackFixture {
  const { functionFiles, ...stackOptions } = options;
  let root: string | undefined;
  let running: { db: FixtureDatabase; stack: TestStack; anon: SupabaseClient; service: SupabaseClient } | undefined;

  beforeAll(async () => {
    if (functionFiles) root = await writeFunctions(functionFiles);
    const db = await createFixtureDatabase();
    const stack = await startTestStack({ ...stackOptions, functionsRoot: root, databaseUrl: db.url });
    running = { db, stack, anon: stack.client(), service: stack.client(SERVICE_ROLE_KEY) };
  });

  afterAll(async () => {
    await running?.stack.stop();
    await running?.db.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const started = () => {
    if (!running) throw new Error('withLocalStack(): the stack runs from beforeAll on');
    return running;
  };
  return {
    anonKey: ANON_KEY,
    serviceRoleKey: SERVICE_ROLE_KEY,
    get url() { return started().stack.url; },
    get gateway() { return started().stack.gateway; },
    get sink() { return started().stack.sink; },
    get cron() { return started().stack.cron; },
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
