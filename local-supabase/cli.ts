/**
 * local-supabase: the Docker-free local Supabase stack of the project in the working directory.
 *   local-supabase stack [--reset] [flags]   Postgres, migrations, seed, the API gateway and the mail catcher
 *   local-supabase start [--reset] [flags]   the stack plus the project's Vite dev server
 *   local-supabase reset                     reset the database (bootstrap, migrations, seed) and exit
 * Flags: --cron <function>[=<interval>]         call a function like a pg_cron job (default every 60000 ms)
 *        --cron-sql <interval> <command>       run a SQL command like a pg_cron job (as the database owner)
 *        (an interval is milliseconds, ENV_NAME holding them, or ENV_NAME:default)
 *        --agent-sink                          run the Agent DB stand-in on AGENT_SINK_PORT (54329)
 *        --function-env NAME[,NAME…]           hand these shell variables to the Edge Functions
 *        --notice <file>                       print this file's text once `start` is ready
 * Environment: LQ_DATA_DIR (.local), DATABASE_URL, STACK_PORT, DB_PORT, MAIL_PORT (config.toml's ports
 * by default), AGENT_SINK_PORT, VITE_PORT, LQ_LOG_REQUESTS=1 (one line per API request).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDotenv } from './functions.ts';
import { ANON_KEY } from './keys.ts';
import {
  databaseName,
  describeCronJob,
  prepareDatabase,
  claimDataDir,
  StackError,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from './stack.ts';
import { loadConfig } from './config.ts';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres.ts';
import { projectDir } from './project.ts';

const info = (line: string) => process.stderr.write(`[local-supabase] ${line}\n`);

interface Flags {
  command: string;
  reset: boolean;
  cron: Array<{ functionName: string; interval: string } | { sql: string; interval: string }>;
  agentSink: boolean;
  functionEnv: string[];
  notice?: string;
}

function parseFlags(argv: string[]): Flags {
  const [command = 'stack', ...rest] = argv;
  const flags: Flags = { command, reset: false, cron: [], agentSink: false, functionEnv: [] };
  for (let index = 0; index < rest.length; index += 1) {
    const flag = rest[index];
    const value = () => {
      const next = rest[index + 1];
      if (next === undefined || next.startsWith('--')) throw new StackError(`${flag} needs a value`);
      index += 1;
      return next;
    };
    if (flag === '--reset') flags.reset = true;
    else if (flag === '--agent-sink') flags.agentSink = true;
    else if (flag === '--cron') {
      const [functionName = '', interval = '60000'] = value().split('=', 2);
      flags.cron.push({ functionName, interval });
    } else if (flag === '--cron-sql') {
      const interval = value();
      flags.cron.push({ interval, sql: value() });
    } else if (flag === '--function-env') flags.functionEnv.push(...value().split(',').map((name) => name.trim()).filter(Boolean));
    else if (flag === '--notice') flags.notice = value();
    else throw new StackError(`Unknown flag "${flag}". Use: stack|start [--reset] [--cron fn[=ms|ENV]] [--cron-sql ms|ENV command] [--agent-sink] [--function-env A,B] [--notice file] | reset`);
  }
  return flags;
}

/** The project's .env fills in what the shell did not set (as Vite does for VITE_*). */
function loadProjectEnv(): void {
  const file = path.join(projectDir(), '.env');
  if (!existsSync(file)) return;
  for (const [key, value] of Object.entries(parseDotenv(readFileSync(file, 'utf8')))) process.env[key] ??= value;
}

function numberEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new StackError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

/** `60000`, `QUEUE_PROCESSOR_INTERVAL` (a variable holding the milliseconds) or `NAME:86400000` (with its default). */
function cronInterval(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const named = /^([A-Za-z_][A-Za-z0-9_]*)(?::(\d+))?$/.exec(text);
  if (!named) throw new StackError(`cron interval "${text}" is neither milliseconds nor a variable name`);
  return numberEnv(named[1]!) ?? (named[2] === undefined ? 60_000 : Number(named[2]));
}

function stackOptions(flags: Flags): LocalStackOptions {
  const mailPort = numberEnv('MAIL_PORT');
  return {
    reset: flags.reset,
    dataDir: process.env.LQ_DATA_DIR || undefined,
    databaseUrl: process.env.DATABASE_URL || undefined,
    apiPort: numberEnv('STACK_PORT'),
    dbPort: numberEnv('DB_PORT'),
    ...(mailPort === undefined ? {} : { mailPort }),
    cron: flags.cron.map((job) =>
      'sql' in job ? { sql: job.sql, intervalMs: cronInterval(job.interval) } : { functionName: job.functionName, intervalMs: cronInterval(job.interval) },
    ),
    ...(flags.agentSink ? { agentSink: { port: numberEnv('AGENT_SINK_PORT') ?? 54329 } } : {}),
    functionEnv: Object.fromEntries(flags.functionEnv.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]]))),
    logRequests: process.env.LQ_LOG_REQUESTS === '1',
    log: info,
  };
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

function startVite(stack: LocalStack): Promise<{ child: ChildProcess; url: string }> {
  const root = projectDir();
  const child = spawn(path.join(root, 'node_modules', '.bin', 'vite'), [], {
    cwd: root,
    env: { ...process.env, VITE_SUPABASE_URL: stack.url, VITE_SUPABASE_ANON_KEY: ANON_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      // eslint-disable-next-line no-control-regex
      const match = /Local:\s+(http:\/\/\S+)/.exec(seen.replace(/\u001b\[[0-9;]*m/g, ''));
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      onData(chunk);
    });
    child.once('exit', (code) => reject(new StackError(`Vite exited (${code}) before serving the app:\n${seen.slice(-2000)}`)));
  });
}

async function serveApp(stack: LocalStack, notice: string | undefined): Promise<void> {
  if (!existsSync(path.join(projectDir(), 'index.html'))) {
    info('The project has no index.html: only the API stack is running.');
    untilSignal(stack.stop);
    return;
  }
  let started: { child: ChildProcess; url: string };
  try {
    started = await startVite(stack);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const { child } = started;
  process.once('exit', () => child.kill('SIGTERM'));
  const text = notice ? readFileSync(path.resolve(projectDir(), notice), 'utf8').trimEnd() : '';
  process.stdout.write(
    ['', `  App: ${started.url}`, ...(text ? text.split('\n').map((line) => `  ${line}`) : []),
      `  Supabase API ${stack.url}${stack.mailUrl ? `   mail ${stack.mailUrl}` : ''}${stack.sink ? `   Agent DB stand-in ${stack.sink.webhookUrl}` : ''}`,
      '  Ctrl+C stops everything.', ''].join('\n'),
  );
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

/** `reset`: the stack's database reset (bootstrap, migrations, seed) without serving anything. */
async function resetOnly(options: LocalStackOptions): Promise<void> {
  const config = loadConfig();
  const dataDir = path.resolve(projectDir(), options.dataDir ?? '.local');
  const release = await claimDataDir(dataDir, 'reset');
  let postgres: RunningPostgres | null = null;
  try {
    postgres = options.databaseUrl
      ? { url: options.databaseUrl, port: 0, embedded: false, stop: async () => {} }
      : await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'db'), port: options.dbPort ?? config.db.port });
    await prepareDatabase(postgres, { reset: true, name: databaseName(config), log: info });
    info('database reset');
  } finally {
    await postgres?.stop();
    await release();
  }
}

async function main(argv: string[]): Promise<void> {
  loadProjectEnv();
  const flags = parseFlags(argv);
  const options = stackOptions(flags);
  if (flags.command === 'reset') return resetOnly(options);
  if (flags.command !== 'stack' && flags.command !== 'start') throw new StackError(`Unknown command "${flags.command}". Use: stack | start | reset`);
  const stack = await startLocalStack(options);
  process.stdout.write(
    `ready: API ${stack.url} | DB ${stack.databaseUrl}${stack.mailUrl ? ` | mail ${stack.mailUrl}` : ''}${stack.sink ? ` | Agent DB stand-in ${stack.sink.webhookUrl}` : ''} | cron ${options.cron?.filter((job) => job.intervalMs > 0).map(describeCronJob).join(', ') || 'off'}\n`,
  );
  if (flags.command === 'stack') untilSignal(stack.stop);
  else await serveApp(stack, flags.notice);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`[local-supabase] ${error instanceof StackError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
