/** Running a realtime harness on its own (`npx tsx bench/<harness>.ts …`) rather than from a suite. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '@leads-queue/local-supabase';
import { startRealtimeTestServer, type RealtimeTestServer } from '@leads-queue/local-supabase/testing';

/** A throwaway embedded PostgreSQL, set up by `prepare`, with a realtime test server on it for `work`. */
export async function withThrowawayRealtime<T>(
  prepare: (url: string, pool: pg.Pool) => Promise<T>,
  work: (server: RealtimeTestServer, pool: pg.Pool, prepared: T) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-bench-realtime-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
  const pool = new pg.Pool({ connectionString: postgres.url, max: 20 });
  pool.on('error', (error) => console.error('bench pool:', error.message));
  let server: RealtimeTestServer | null = null;
  try {
    const prepared = await prepare(postgres.url, pool);
    server = await startRealtimeTestServer(postgres.url);
    await work(server, pool, prepared);
  } finally {
    await server?.close();
    await pool.end();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `main` when `moduleUrl` is the file node was started with; exits 0, or prints the error and exits 1. */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
