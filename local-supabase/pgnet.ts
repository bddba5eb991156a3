/**
 * The pg_net stand-in's background worker. `net.http_post(...)` (local-supabase/bootstrap.sql) queues a request in
 * `net.http_request_queue` and notifies after commit; this worker takes queued requests (oldest first, a batch at a
 * time, deleted as taken, as pg_net's worker does), sends them concurrently, and records each answer (or the timeout
 * or error) in `net._http_response` under the request's id. It also stores the two Vault secrets the project's jobs
 * read (`project_url`, `service_role_key`), which on hosted Supabase are stored once per project.
 */
import pg from 'pg';

export interface PgNetOptions {
  /** A superuser URL of the database (the worker runs as pg_net's does, outside any role's RLS). */
  databaseUrl: string;
  /** Stored in Vault as project_url: the gateway's base URL. */
  projectUrl: string;
  /** Stored in Vault as service_role_key. */
  serviceRoleKey: string;
  /** Also looks for requests this often, in case a notification was missed (ms). */
  pollMs?: number;
  /** Requests taken per round (pg_net's `pg_net.batch_size` is 200). */
  batchSize?: number;
  log?: (line: string) => void;
}

export interface PgNetResponse {
  id: number;
  status: number | null;
  timedOut: boolean;
  error: string | null;
}

export interface PgNet {
  /** Every answer recorded since start, oldest first. */
  responses: PgNetResponse[];
  /** Resolves when the queue is empty and no request is in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | null;
  timeout_milliseconds: number;
}

export async function startPgNet(options: PgNetOptions): Promise<PgNet> {
  const log = options.log ?? (() => {});
  const batchSize = options.batchSize ?? 200;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 3 });
  pool.on('error', () => {});
  await pool.query(
    `insert into vault.decrypted_secrets (name, decrypted_secret) values ('project_url', $1), ('service_role_key', $2)
     on conflict (name) do update set decrypted_secret = excluded.decrypted_secret`,
    [options.projectUrl, options.serviceRoleKey],
  );
  const listener = new pg.Client({ connectionString: options.databaseUrl });
  listener.on('error', () => {});
  await listener.connect();

  const inFlight = new Set<Promise<void>>();
  const responses: PgNetResponse[] = [];
  let draining: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function send(request: QueuedRequest): Promise<void> {
    const record = { id: Number(request.id), status: null as number | null, timedOut: false, error: null as string | null };
    let contentType: string | null = null;
    const headers: Record<string, string> = {};
    let content: string | null = null;
    try {
      const response = await fetch(request.url, {
        method: request.method.toUpperCase(),
        headers: request.headers,
        body: request.method.toUpperCase() === 'GET' || !request.body ? undefined : new Uint8Array(request.body),
        signal: AbortSignal.timeout(request.timeout_milliseconds),
      });
      record.status = response.status;
      contentType = response.headers.get('content-type');
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      content = await response.text();
    } catch (error) {
      record.timedOut = (error as Error).name === 'TimeoutError';
      record.error = record.timedOut ? `Timeout of ${request.timeout_milliseconds} ms reached` : (error as Error).message;
    }
    responses.push(record);
    if (responses.length > 10_000) responses.shift();
    await pool
      .query(
        `insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg) values ($1, $2, $3, $4, $5, $6, $7)`,
        [record.id, record.status, contentType, headers, content, record.timedOut, record.error],
      )
      .catch((error: Error) => log(`[pg_net] response ${record.id} not recorded: ${error.message}`));
    log(`[pg_net] ${request.method} ${request.url} -> ${record.status ?? record.error}`);
  }

  async function drain(): Promise<void> {
    for (;;) {
      const { rows } = await pool.query<QueuedRequest>(
        `delete from net.http_request_queue q where q.id in (select id from net.http_request_queue order by id limit $1 for update skip locked)
         returning q.id, q.method, q.url, q.headers, q.body, q.timeout_milliseconds`,
        [batchSize],
      );
      for (const request of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
        const sending: Promise<void> = send(request).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
      if (rows.length < batchSize) return;
    }
  }

  function wake(): void {
    if (stopped) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drain()
      .catch((error: Error) => log(`[pg_net] drain failed: ${error.message}`))
      .finally(() => {
        draining = null;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  listener.on('notification', () => wake());
  await listener.query('listen net_http_request_queue');
  const timer = setInterval(wake, options.pollMs ?? 1000);
  wake();

  return {
    responses,
    async idle() {
      for (;;) {
        await draining;
        await Promise.all([...inFlight]);
        const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from net.http_request_queue');
        if (rows[0]!.n === 0 && inFlight.size === 0 && !draining) return;
        wake();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await draining;
      await Promise.allSettled([...inFlight]);
      await listener.end().catch(() => {});
      await pool.end();
    },
  };
}
