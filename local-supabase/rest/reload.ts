import pg from 'pg';
import { loadSchemaCache, type SchemaCache } from './schema.ts';

/**
 * The schema cache as PostgREST keeps it: loaded once, reloaded on `NOTIFY pgrst` (any payload: 'reload schema',
 * 'reload config' or none; the in-database config is read with the schema), after the listener reconnects,
 * and when a lookup misses (a migration may have added the object).
 */
export class SchemaCacheHolder {
  private current: SchemaCache | null = null;
  private loading: Promise<SchemaCache> | null = null;
  /** A reload asked for while one runs: it must read what committed after it was asked for. */
  private again: Promise<SchemaCache> | null = null;
  private listener: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  /** Counts the loads: statements prepared under an older one are flushed with their connections (see handler.ts). */
  generation = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schemas: string[],
    private readonly log: (line: string) => void = () => {},
  ) {}

  async get(): Promise<SchemaCache> {
    return this.current ?? this.reload();
  }

  reload(): Promise<SchemaCache> {
    if (this.loading) {
      this.again ??= this.loading.catch(() => undefined).then(() => {
        this.again = null;
        return this.reload();
      });
      return this.again;
    }
    this.loading = loadSchemaCache(this.pool, this.schemas).then(
      (cache) => {
        this.current = cache;
        this.generation += 1;
        this.loading = null;
        return cache;
      },
      (error: unknown) => {
        this.loading = null;
        throw error;
      },
    );
    return this.loading;
  }

  /** Starts listening on channel `pgrst` with a connection of its own (the pool's login). */
  async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.pool.options);
    client.on('notification', () => {
      void this.reload().catch((error: unknown) => this.log(`[rest] schema cache reload failed: ${(error as Error).message}`));
    });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    this.listener = client;
    try {
      await client.connect();
      await client.query('listen pgrst');
    } catch (error) {
      this.reconnect(client);
      throw error;
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.closed || this.listener !== client || this.retry) return;
    this.listener = null;
    void client.end().catch(() => {});
    this.retry = setTimeout(() => {
      this.retry = null;
      // Whatever changed while nobody listened is picked up by the reload that follows a reconnect.
      this.listen().then(() => this.reload()).catch(() => {});
    }, 1000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => {});
  }
}
