/**
 * A PostgreSQL for trying the workflow in a real n8n (see README "Try it in a real n8n"): n8n keeps
 * its own data in database `n8n`, where the workflow's leads_queue_deliveries table is created too.
 * Prints the environment n8n needs and runs until Ctrl-C.
 *   npx tsx agent-db/n8n-postgres.ts [data dir, default /tmp/leads-queue-n8n-pg] [port, default 55433]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl, startEmbeddedPostgres } from '@leads-queue/local-supabase';

const dataDir = process.argv[2] ?? '/tmp/leads-queue-n8n-pg';
const port = Number(process.argv[3] ?? 55433);
const server = await startEmbeddedPostgres({ dataDir, port });

const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
const { rowCount } = await admin.query(`select 1 from pg_database where datname = 'n8n'`);
if (rowCount === 0) await admin.query('create database n8n');
await admin.end();

const n8nDb = new pg.Client({ connectionString: databaseUrl(server.url, 'n8n') });
await n8nDb.connect();
await n8nDb.query(await readFile(path.join(import.meta.dirname, 'n8n', 'leads-queue-deliveries.sql'), 'utf8'));
await n8nDb.end();

console.log(`PostgreSQL ${server.url} (database n8n has leads_queue_deliveries). For n8n:`);
console.log(`DB_TYPE=postgresdb DB_POSTGRESDB_HOST=127.0.0.1 DB_POSTGRESDB_PORT=${port} DB_POSTGRESDB_DATABASE=n8n DB_POSTGRESDB_USER=postgres DB_POSTGRESDB_PASSWORD=postgres`);

const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
