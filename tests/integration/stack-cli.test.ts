import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { ANON_KEY, databaseUrl, freePort, recreateDatabase, SERVICE_ROLE_KEY } from '@leads-queue/local-supabase';
import { PASSWORD, USERS } from '../support/seed.ts';

/** The repository root (this file's folder is tests/integration). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const BIN = path.join(ROOT, 'node_modules', '.bin', 'local-supabase');
const SCRIPTS = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** A shell's words: whitespace-separated, single- or double-quoted words kept whole (what npm's sh does with the script). */
const shellWords = (line: string): string[] => [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
/** What `npm run <name>` hands the bin: the words after `local-supabase <command>` in the root script. */
const flagsOf = (name: string): string[] => shellWords((SCRIPTS[name] ?? '').split('local-supabase ')[1] ?? '').slice(1);
let dataDir: string;
let env: NodeJS.ProcessEnv;
let apiUrl: string;
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The package's bin as the root scripts call it: `stack` and `start` with their flags from package.json. */
function run(args: string[]): Run {
  const [command = 'stack', ...rest] = args;
  // Own process group, so cleanup can reach the stack's children (Postgres, Deno, Vite) even after a failure.
  const child = spawn(BIN, [command, ...flagsOf(command), ...rest], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function ready(stack: Run): Promise<string> {
  await expect
    .poll(() => stack.stdout().includes('ready') || stack.child.exitCode !== null, { timeout: 90_000, interval: 100 })
    .toBe(true);
  if (!stack.stdout().includes('ready')) throw new Error(`stack did not start:\n${stack.stderr()}`);
  return stack.stdout();
}

async function signIn(email: string, password: string) {
  const client = createClient(apiUrl, ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } });
  return client.auth.signInWithPassword({ email, password });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lq-cli-'));
  const [stackPort, dbPort, sinkPort, mailPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  apiUrl = `http://127.0.0.1:${stackPort}`;
  env = {
    ...process.env,
    LQ_DATA_DIR: dataDir,
    STACK_PORT: String(stackPort),
    DB_PORT: String(dbPort),
    AGENT_SINK_PORT: String(sinkPort),
    MAIL_PORT: String(mailPort),
    QUEUE_PROCESSOR_INTERVAL: '0',
    DATABASE_URL: '',
  };
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || !child.pid) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run stack / npm start: the local-supabase bin with the root scripts\' flags', () => {
  it('starts on the given ports with the seed, refuses a second instance, stops on SIGTERM and keeps its data', async () => {
    const first = run(['stack']);
    const output = await ready(first);
    const readyLines = output.split('\n').filter((line) => line.includes('ready'));
    expect(readyLines).toHaveLength(1);
    expect(readyLines[0]).toContain(apiUrl);

    const health = await fetch(`${apiUrl}/health`);
    expect(health.status).toBe(200);
    const seeded = await signIn(USERS.demoAdmin.email, PASSWORD);
    expect(seeded.error).toBeNull();
    expect(seeded.data.user?.id).toBe(USERS.demoAdmin.id);

    const admin = createClient(apiUrl, SERVICE_ROLE_KEY, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } });
    const created = await admin.auth.admin.createUser({ email: 'kept@example.test', password: 'kept-password', email_confirm: true });
    expect(created.error).toBeNull();

    const second = run(['stack']);
    expect(await second.exited).not.toBe(0);
    expect(second.stderr()).toContain('already running');

    first.child.kill('SIGTERM');
    await first.exited;
    expect(existsSync(path.join(dataDir, 'stack.pid'))).toBe(false);
    await expect(fetch(`${apiUrl}/health`)).rejects.toThrow();

    const again = run(['stack']);
    await ready(again);
    expect(again.stderr()).not.toContain('seed');
    const kept = await signIn('kept@example.test', 'kept-password');
    expect(kept.error).toBeNull();
    again.child.kill('SIGTERM');
    await again.exited;
  }, 180_000);

  it('start: serves the app with the stack and prints the app URL and the demo logins', async () => {
    const vitePort = await freePort();
    const previous = env;
    env = { ...env, VITE_PORT: String(vitePort) };
    const app = run(['start']);
    env = previous;
    await expect
      .poll(() => app.stdout().includes('Demo logins') || app.child.exitCode !== null, { timeout: 90_000, interval: 100 })
      .toBe(true);
    const printed = app.stdout();
    expect(printed).toContain(`http://127.0.0.1:${vitePort}`);
    for (const email of [USERS.demoAdmin.email, USERS.demoManager.email, USERS.otherAdmin.email]) expect(printed).toContain(email);
    expect(printed).toContain('testtesttest');
    const page = await fetch(`http://127.0.0.1:${vitePort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    app.child.kill('SIGTERM');
    await app.exited;
    await expect(fetch(`http://127.0.0.1:${vitePort}/`)).rejects.toThrow();
    await expect(fetch(`${apiUrl}/health`)).rejects.toThrow();
  }, 180_000);

  it('uses DATABASE_URL instead of the embedded server: migrates a new database, --reset rebuilds it', async () => {
    const serverUrl = inject('localSupabaseCluster').serverUrl;
    const name = `lq_cli_${Date.now()}`;
    await recreateDatabase(serverUrl, name);
    const previous = env;
    env = { ...env, DATABASE_URL: databaseUrl(serverUrl, name), LQ_DATA_DIR: path.join(dataDir, 'external') };
    try {
      const first = run(['stack']);
      await ready(first);
      expect(first.stderr()).toContain('new database');
      expect(first.stderr()).not.toContain('starting PostgreSQL');
      expect((await signIn(USERS.demoManager.email, PASSWORD)).error).toBeNull();
      first.child.kill('SIGTERM');
      await first.exited;

      const reset = run(['stack', '--reset']);
      await ready(reset);
      expect(reset.stderr()).toContain('resetting the database');
      expect((await signIn(USERS.otherAdmin.email, PASSWORD)).error).toBeNull();
      reset.child.kill('SIGTERM');
      await reset.exited;
    } finally {
      env = previous;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
      await admin.end();
    }
  }, 180_000);
});
