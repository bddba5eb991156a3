import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { startAgentSink, type AgentSink } from '../agentSink.ts';
import { loadConfig, type StackConfig } from '../config.ts';
import { startCron, type Cron } from '../cron.ts';
import { createGateway, type Gateway } from '../gateway.ts';
import { startPgNet, type PgNet } from '../pgnet.ts';
import { ANON_KEY, SERVICE_ROLE_KEY } from '../keys.ts';
import { startMailCatcher, type MailCatcher } from '../mailCatcher.ts';
import { authenticatorUrl } from '../stack.ts';

export interface TestStackOptions {
  /** Superuser URL of the test database (createTestDatabase().url). */
  databaseUrl: string;
  /** Run Edge Functions (real Deno) at /functions/v1. */
  functions?: boolean;
  /** Another functions folder (fixtures); defaults to supabase/functions. */
  functionsRoot?: string;
  /** Start every function's Deno before returning, rather than on its first call (timing-sensitive tests). */
  eagerFunctions?: boolean;
  /** Overrides config.toml's verify_jwt per function. */
  verifyJwt?: Record<string, boolean>;
  /** Start the cron stand-in with this interval (0 / absent: off), calling `cronFunction` (queue-processor). */
  cronIntervalMs?: number;
  cronFunction?: string;
  /** A SQL pg_cron job (run as the database owner) every `intervalMs`, e.g. a retention purge. */
  cronSql?: { sql: string; intervalMs: number };
  /** Run the pg_net stand-in's worker (net.http_post's requests are sent) and store the Vault secrets it needs. */
  pgNet?: boolean;
  /** Start an Agent DB stand-in and point the functions' AGENT_DB_* at it (keepAlive: see AgentSinkOptions). */
  sink?: boolean | { keepAlive: boolean };
  /** Extra function secrets. */
  env?: Record<string, string>;
  realtime?: boolean;
  /** Overrides config.toml's [api] (exposed schemas, max rows). */
  api?: Partial<StackConfig['api']>;
  /** Overrides config.toml's [auth] (confirmations, anonymous sign-ins, redirect URLs…). */
  auth?: Partial<Omit<StackConfig['auth'], 'email'>> & { email?: Partial<StackConfig['auth']['email']> };
  /** Serve the mail catcher (its page and Mailpit-style API) on an ephemeral port. */
  mailCatcher?: boolean;
  /** The gateway's request body limit (10 MB by default). */
  bodyLimitBytes?: number;
  /** The stack's clock (token expiry, refresh reuse interval); real time by default. */
  now?: () => Date;
  log?: (line: string) => void;
  /** Log one line per gateway request (`[gateway] POST /rest/v1/rpc/x 200 1.2 ms`), e.g. to count a function's calls. */
  logRequests?: boolean;
}

export interface TestStack {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  gateway: Gateway;
  sink?: AgentSink;
  cron?: Cron;
  /** The `cronSql` job, when given. */
  sqlCron?: Cron;
  /** The pg_net stand-in, when started. */
  pgNet?: PgNet;
  /** The mail catcher's URL, when started. */
  mailUrl?: string;
  /** supabase-js with the anon key (default) or any key/token as apikey; `accessToken` signs it in as that user. */
  client(key?: string, options?: ClientOptions): SupabaseClient;
  /** A client signed in with email + password (throws when sign-in fails). */
  signIn(email: string, password: string): Promise<SupabaseClient>;
  stop(): Promise<void>;
}

export interface ClientOptions {
  /** The schema the client reads (Accept-Profile). */
  schema?: string;
  /** Sent as `Authorization: Bearer …` instead of the key. */
  accessToken?: string;
}

export const TEST_AGENT_API_KEY = 'test-agent-db-api-key';
export const TEST_WEBHOOK_SECRET = 'whsec_dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NTY3OA==';

/** The local Supabase stack on ephemeral ports, over a test database; stop() tears it all down. */
export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  const pool = new pg.Pool({ connectionString: authenticatorUrl(options.databaseUrl), max: 10 });
  const authPool = new pg.Pool({ connectionString: options.databaseUrl, max: 5 });
  // A test database dropped with (force) terminates idle clients; that must not crash the run.
  for (const each of [pool, authPool]) each.on('error', () => {});
  const clients: SupabaseClient[] = [];
  let sink: AgentSink | undefined;
  let cron: Cron | undefined;
  let sqlCron: Cron | undefined;
  let pgNet: PgNet | undefined;
  let gateway: Gateway | undefined;
  let mail: MailCatcher | undefined;
  const log = options.log ?? (process.env.LQ_STACK_LOG ? (line: string) => console.log(line) : () => {});

  try {
    if (options.sink) {
      sink = await startAgentSink({ apiKey: TEST_AGENT_API_KEY, webhookSecret: TEST_WEBHOOK_SECRET, log,
        keepAlive: typeof options.sink === 'object' && options.sink.keepAlive });
    }
    const env: Record<string, string> = {
      ...(sink
        ? { AGENT_DB_WEBHOOK_URL: sink.webhookUrl, AGENT_DB_API_KEY: TEST_AGENT_API_KEY, AGENT_DB_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }
        : {}),
      ...(options.env ?? {}),
    };
    const config = loadConfig();
    const auth = { ...config.auth, ...options.auth, email: { ...config.auth.email, ...options.auth?.email } };
    gateway = await createGateway({
      config: { ...config, api: { ...config.api, ...options.api }, auth },
      bodyLimitBytes: options.bodyLimitBytes,
      pool,
      authPool,
      databaseUrl: options.databaseUrl,
      port: 0,
      realtime: options.realtime,
      now: options.now,
      logRequests: options.logRequests,
      functions: options.functions ? { root: options.functionsRoot, env, verifyJwt: options.verifyJwt } : false,
      log,
    });
    if (options.eagerFunctions && gateway.functions) {
      const host = gateway.functions;
      await Promise.all(host.names().map((name) => host.start(name)));
    }
    if (options.cronIntervalMs && options.cronIntervalMs > 0) {
      cron = startCron({ url: gateway.url, serviceRoleKey: SERVICE_ROLE_KEY, intervalMs: options.cronIntervalMs, functionName: options.cronFunction ?? 'queue-processor', log });
    }
    if (options.pgNet) pgNet = await startPgNet({ databaseUrl: options.databaseUrl, projectUrl: gateway.url, serviceRoleKey: SERVICE_ROLE_KEY, log });
    if (options.cronSql) sqlCron = startCron({ ...options.cronSql, databaseUrl: options.databaseUrl, log });
    if (options.mailCatcher) mail = await startMailCatcher({ mailbox: gateway.mailbox });
  } catch (error) {
    await pgNet?.stop();
    await mail?.close();
    await sink?.close();
    await gateway?.close();
    await pool.end();
    await authPool.end();
    throw error;
  }
  const url = gateway.url;

  const client = (key = ANON_KEY, { schema, accessToken }: ClientOptions = {}): SupabaseClient => {
    // Untyped on purpose (any schema, fixture tables); `db.schema` would otherwise narrow it to a string-named schema.
    const created = createClient(url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: WebSocket as never },
      ...(schema ? { db: { schema } } : {}),
      ...(accessToken ? { global: { headers: { Authorization: `Bearer ${accessToken}` } } } : {}),
    }) as SupabaseClient;
    clients.push(created);
    return created;
  };

  let stopped = false;
  return {
    url,
    anonKey: ANON_KEY,
    serviceRoleKey: SERVICE_ROLE_KEY,
    gateway,
    sink,
    cron,
    sqlCron,
    pgNet,
    ...(mail ? { mailUrl: mail.url } : {}),
    client,
    async signIn(email, password) {
      const signedIn = client();
      const { error } = await signedIn.auth.signInWithPassword({ email, password });
      if (error) throw new Error(`sign in as ${email} failed: ${error.message}`);
      return signedIn;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled(clients.map((c) => c.removeAllChannels()));
      await cron?.stop();
      await sqlCron?.stop();
      await pgNet?.stop();
      await mail?.close();
      await gateway!.close();
      await sink?.close();
      await pool.end();
      await authPool.end();
      await waitForDisconnect(options.databaseUrl);
    },
  };
}

/**
 * pg-pool's end() resolves before its sockets close; a test that then drops the database with (force)
 * would kill a closing connection (an uncaught 57P01). Wait until the stack's logins are gone.
 */
async function waitForDisconnect(databaseUrl: string, timeoutMs = 5000): Promise<void> {
  const probe = new pg.Client({ connectionString: databaseUrl });
  await probe.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await probe.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and usename <> current_user',
      );
      if ((rows[0]?.n ?? 0) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await probe.end();
  }
}
