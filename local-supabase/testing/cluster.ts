import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { recreateDatabase } from '../migrate.ts';
import { databaseUrl, startEmbeddedPostgres } from '../postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL cluster and the template database each test file clones (clusterGlobalSetup). */
    localSupabaseCluster: ClusterAddress;
  }
}

export interface ClusterAddress {
  /** Superuser URL of the cluster's `postgres` database. */
  serverUrl: string;
  /** The database every clone copies. */
  template: string;
}

export interface TestCluster extends ClusterAddress {
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /** Name of the template database (`test_template`). */
  template?: string;
  /** Fills the template: bootstrap.sql and migrations, or a fixture schema. */
  prepare(templateUrl: string): Promise<void>;
}

/** A throwaway embedded PostgreSQL cluster in a temporary folder, with a prepared template database. */
export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const template = options.template ?? 'test_template';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'local-supabase-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
  try {
    await recreateDatabase(server.url, template);
    await options.prepare(databaseUrl(server.url, template));
  } catch (error) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    serverUrl: server.url,
    template,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A vitest globalSetup: one cluster per run, provided to the test files as `localSupabaseCluster`.
 * vitest 4.1 reports a throwing global setup as "No test files found" and still exits 0, which would turn
 * a broken database (a migration that fails, Postgres that cannot start) into a green run: fail it here.
 */
export function clusterGlobalSetup(options: TestClusterOptions) {
  return async function setup(project: TestProject): Promise<() => Promise<void>> {
    try {
      const cluster = await startTestCluster(options);
      project.provide('localSupabaseCluster', { serverUrl: cluster.serverUrl, template: cluster.template });
      return () => cluster.stop();
    } catch (error) {
      console.error('database global setup failed:', error);
      process.exit(1);
    }
  };
}

export interface ClonedDatabase {
  name: string;
  /** Superuser connection string of this database. */
  url: string;
  /** Superuser pool on this database. */
  pool: pg.Pool;
  /** Ends the pool and drops the database. */
  close(): Promise<void>;
}

export interface CloneOptions {
  /** Prefix of the database's name (`test`). */
  prefix?: string;
  /** Size of the pool (10). */
  maxConnections?: number;
}

/** A fresh copy of the cluster's template, under a random name. */
export async function cloneDatabase(cluster: ClusterAddress, options: CloneOptions = {}): Promise<ClonedDatabase> {
  const name = `${options.prefix ?? 'test'}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await recreateDatabase(cluster.serverUrl, name, cluster.template);
  const url = databaseUrl(cluster.serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  // close() drops the database with (force): a connection still closing then gets 57P01, which must not crash the run.
  pool.on('error', () => {});
  return {
    name,
    url,
    pool,
    close: async () => {
      await pool.end();
      const admin = new pg.Client({ connectionString: cluster.serverUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
      await admin.end();
    },
  };
}
