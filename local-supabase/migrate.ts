import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withClient } from './connections.ts';
import { supabasePath } from './project.ts';

/** The project's `supabase/migrations` (see projectDir). */
export const migrationsDir = (): string => supabasePath('migrations');
const BOOTSTRAP_FILE = fileURLToPath(new URL('bootstrap.sql', import.meta.url));

const MIGRATION_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: string;
  name: string;
  file: string;
}

export async function listMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return names.map((name) => {
    const match = MIGRATION_NAME.exec(name);
    if (!match) throw new Error(`Migration file name must be <14 digits>_<name>.sql: ${name}`);
    return { version: match[1]!, name: match[2]!, file: path.join(dir, name) };
  });
}

export async function applyBootstrap(url: string): Promise<void> {
  const sql = await readFile(BOOTSTRAP_FILE, 'utf8');
  await withClient(url, (client) => client.query(sql));
}

/** Applies pending migrations in name order, each in its own transaction, recorded as the Supabase CLI records them. */
export async function applyMigrations(url: string, dir = migrationsDir()): Promise<string[]> {
  const migrations = await listMigrations(dir);
  return withClient(url, async (client) => {
    await client.query(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key,
        statements text[],
        name text
      );`);
    const { rows } = await client.query<{ version: string }>('select version from supabase_migrations.schema_migrations');
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      const sql = await readFile(migration.file, 'utf8');
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query(
          'insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)',
          [migration.version, [sql], migration.name],
        );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`Migration ${path.basename(migration.file)} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.version);
    }
    return applied;
  });
}

async function applySeed(url: string, file = supabasePath('seed.sql')): Promise<void> {
  const sql = await readFile(file, 'utf8');
  await withClient(url, (client) => client.query(sql));
}

/** Bootstrap (Supabase image stand-in), migrations, then the seed: a database as `supabase db reset` leaves it. */
export async function resetDatabase(url: string, options: { seed?: boolean } = {}): Promise<void> {
  await applyBootstrap(url);
  await applyMigrations(url);
  if (options.seed !== false) await applySeed(url);
}

export async function recreateDatabase(serverUrl: string, name: string, template?: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    const ident = client.escapeIdentifier(name);
    await client.query(`drop database if exists ${ident} with (force)`);
    await client.query(`create database ${ident}${template ? ` template ${client.escapeIdentifier(template)}` : ''}`);
  });
}
