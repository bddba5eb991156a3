/**
 * @leads-queue/local-supabase: a Docker-free stand-in for a local Supabase project (real PostgreSQL, PostgREST's
 * and GoTrue's behaviour, Realtime's postgres_changes, Edge Functions in real Deno). The CLI is `local-supabase`;
 * this is its API, for scripts and test fixtures. See README.md.
 */
export { startAgentSink, signStandardWebhook, type AgentSink, type AgentSinkOptions, type ReceivedWebhook, type SinkBehaviour } from './agentSink.ts';
export { Mailbox, type MailMessage } from './auth/mailbox.ts';
export { signClaims, verifyToken } from './auth/tokens.ts';
export { configFromToml, loadConfig, type StackConfig } from './config.ts';
export { inTransaction, withClient } from './connections.ts';
export { startCron, type Cron, type CronOptions } from './cron.ts';
export { createFunctionsHost, parseDotenv, waitForPort, type FunctionsHost, type FunctionsOptions } from './functions.ts';
export { corsHeaders, createGateway, mapAuthorization, type Gateway, type GatewayOptions } from './gateway.ts';
export { ANON_KEY, JWT_SECRET, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from './keys.ts';
export { startMailCatcher, type MailCatcher } from './mailCatcher.ts';
export { startPgNet, type PgNet, type PgNetOptions, type PgNetResponse } from './pgnet.ts';
export { applyBootstrap, applyMigrations, listMigrations, migrationsDir, recreateDatabase, resetDatabase, type Migration } from './migrate.ts';
export { databaseUrl, freePort, startEmbeddedPostgres, type RunningPostgres, type StartOptions } from './postgres.ts';
export { denoBinary, projectDir, supabasePath } from './project.ts';
export { attachRealtime, type RealtimeServer } from './realtime/server.ts';
export { createRestHandler, type RestHandler } from './rest/handler.ts';
export { authenticatorUrl, startLocalStack, StackError, type LocalStack, type LocalStackOptions } from './stack.ts';
export type { GatewayRequest, GatewayResponse, RequestAuth } from './types.ts';
