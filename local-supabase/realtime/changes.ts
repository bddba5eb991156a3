import pg from 'pg';
import type { RequestAuth } from '../types.ts';
import { CHANGE_CHANNEL, installCapture, loadTableInfo, syncPublication, tableKey, type TableInfo, type TableRef } from './capture.ts';
import { recheckForCaller } from './fanout.ts';
import { listen, type Listener } from './listener.ts';
import { FilterError, filterColumns, filterSql, parseFilter, quoteIdent, type FilterCondition } from './filters.ts';
import { bindsTable, type Binding, type BindingRequest, type ChangeSubscriber, type IndexedChange, type Outbox, type RawChange, type Row } from './model.ts';

export type { Binding, BindingRequest, ChangeSubscriber } from './model.ts';

export class SubscribeError extends Error {}

const MAX_BATCH = 2000;

/**
 * Change feed for the tables of publication supabase_realtime: one LISTEN connection receives
 * every committed change; each burst is re-checked once per distinct caller (role + claims) in a
 * read-only transaction under that caller, so RLS alone decides who receives what.
 */
export class ChangeFeed {
  private readonly admin: pg.Pool;
  private listener: Listener | null = null;
  private readonly subscribers = new Set<ChangeSubscriber>();
  private readonly tables = new Map<string, TableInfo>();
  private captured = new Set<string>();
  private queue: RawChange[] = [];
  private draining: Promise<void> | null = null;
  private resyncing: Promise<void> | null = null;
  private nextBindingId = 1000;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    databaseUrl: string,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    this.admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    this.admin.on('error', (error) => this.log('admin connection error', error));
  }

  static async start(options: {
    pool: pg.Pool;
    databaseUrl: string;
    log?: (message: string, error?: unknown) => void;
  }): Promise<ChangeFeed> {
    const feed = new ChangeFeed(options.pool, options.databaseUrl, options.log ?? (() => {}));
    try {
      const client = await feed.admin.connect();
      try {
        await installCapture(client);
      } finally {
        client.release();
      }
      await feed.resync();
      feed.listener = await listen({
        databaseUrl: options.databaseUrl,
        channel: CHANGE_CHANNEL,
        log: feed.log,
        onPayload: (payload) => {
          try {
            feed.queue.push(JSON.parse(payload) as RawChange);
          } catch (error) {
            feed.log('unreadable change notification', error);
            return;
          }
          feed.drainSoon();
        },
      });
    } catch (error) {
      await feed.close();
      throw error;
    }
    return feed;
  }

  /** Re-reads the publication and installs the capture trigger on tables added since. */
  async resync(): Promise<void> {
    this.resyncing ??= (async () => {
      const client = await this.admin.connect();
      try {
        const refs = await syncPublication(client);
        this.captured = new Set(refs.map(tableKey));
        this.tables.clear();
      } finally {
        client.release();
      }
    })().finally(() => {
      this.resyncing = null;
    });
    return this.resyncing;
  }

  private async tableInfo(ref: TableRef, reload = false): Promise<TableInfo | null> {
    const key = tableKey(ref);
    const cached = this.tables.get(key);
    if (cached && !reload) return cached;
    const client = await this.admin.connect();
    try {
      const info = await loadTableInfo(client, ref);
      if (info) this.tables.set(key, info);
      return info;
    } finally {
      client.release();
    }
  }

  /** Validates a join's bindings (resyncing for tables not captured yet) and numbers them. */
  async prepare(requests: BindingRequest[]): Promise<Binding[]> {
    const bindings: Binding[] = [];
    for (const request of requests) {
      const schema = typeof request.schema === 'string' && request.schema !== '' ? request.schema : 'public';
      const table = typeof request.table === 'string' && request.table !== '' && request.table !== '*' ? request.table : null;
      const filter = typeof request.filter === 'string' ? request.filter : '';
      const event = typeof request.event === 'string' ? request.event.toUpperCase() : '';
      const describe = `[event: ${String(request.event)}, schema: ${schema}, table: ${table ?? '*'}, filters: [${filter}]]`;
      const unable = (why: string) =>
        new SubscribeError(
          `Unable to subscribe to changes with given parameters. ${why} Please check Realtime is enabled for the given connect parameters: ${describe}`,
        );
      if (event !== '*' && event !== 'INSERT' && event !== 'UPDATE' && event !== 'DELETE') throw unable('Invalid event.');
      let conditions: FilterCondition[];
      try {
        conditions = parseFilter(filter);
      } catch (error) {
        throw unable(error instanceof FilterError ? `${error.message}.` : 'Invalid filter.');
      }
      if (table === null) {
        if (conditions.length > 0) throw unable('Filters need a table.');
        // Every captured table of the schema: pick up tables published since the last sync.
        await this.resync();
      } else {
        const ref = { schema, table };
        if (!this.captured.has(tableKey(ref))) await this.resync();
        if (!this.captured.has(tableKey(ref))) throw unable('Table is not in publication supabase_realtime.');
        if (conditions.length > 0) await this.checkFilter(ref, conditions, unable);
      }
      bindings.push({ id: this.nextBindingId++, event, schema, table, filter, conditions });
    }
    return bindings;
  }

  private async checkFilter(ref: TableRef, conditions: FilterCondition[], unable: (why: string) => Error): Promise<void> {
    const info = await this.tableInfo(ref, true);
    const known = new Set(info?.columns.map((c) => c.name));
    const missing = filterColumns(conditions).filter((name) => !known.has(name));
    if (missing.length > 0) throw unable(`Unknown column ${missing.join(', ')}.`);
    const params: unknown[] = [];
    const sql = filterSql(conditions, 'c', params);
    try {
      // Values that do not cast to the column's type are rejected at join, not at delivery.
      await this.admin.query(
        `select ${sql} from jsonb_populate_record(null::${quoteIdent(ref.schema)}.${quoteIdent(ref.table)}, '{}') c`,
        params,
      );
    } catch (error) {
      throw unable(`Invalid filter: ${(error as Error).message}.`);
    }
  }

  add(subscriber: ChangeSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: ChangeSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  private drainSoon(): void {
    this.draining ??= (async () => {
      // Let a burst of notifications that arrived together land in the same batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.processBatch(batch);
        } catch (error) {
          this.log('change batch failed', error);
        }
      }
    })().finally(() => {
      this.draining = null;
      if (this.queue.length > 0 && !this.closed) this.drainSoon();
    });
  }

  /** Test/bench hook: resolves once every change received so far has been delivered. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async processBatch(batch: RawChange[]): Promise<void> {
    const byTable = new Map<string, IndexedChange[]>();
    batch.forEach((change, index) => {
      const key = `${change.s}.${change.t}`;
      const list = byTable.get(key) ?? [];
      list.push({ index, change });
      byTable.set(key, list);
    });
    const outbox: Outbox = new Map();
    await Promise.all(
      [...byTable.values()].map((changes) => this.processTable(changes, outbox).catch((error: unknown) => this.log('change fan-out failed', error))),
    );
    // Deliver in commit order (batch order), whichever table query finished first.
    for (const [subscriber, items] of outbox) {
      if (!this.subscribers.has(subscriber)) continue;
      items.sort((a, b) => a.index - b.index);
      for (const item of items) subscriber.deliver(item.payload);
    }
  }

  private async processTable(changes: IndexedChange[], outbox: Outbox): Promise<void> {
    const first = changes[0];
    if (!first) return;
    const ref = { schema: first.change.s, table: first.change.t };
    const interested = [...this.subscribers].filter((s) => s.bindings.some((b) => bindsTable(b, ref)));
    if (interested.length === 0) return;
    let info = await this.tableInfo(ref);
    const knows = (row: Row | undefined) => !row || Object.keys(row).every((k) => info?.columns.some((c) => c.name === k));
    if (info && !changes.every(({ change }) => knows(change.n) && knows(change.o))) info = await this.tableInfo(ref, true);
    if (!info) return;
    await this.fillLargeRows(info, changes);

    const groups = new Map<string, { auth: RequestAuth; subscribers: ChangeSubscriber[] }>();
    for (const subscriber of interested) {
      const auth = subscriber.auth();
      const key = `${auth.role}\n${JSON.stringify(auth.claims)}`;
      const group = groups.get(key) ?? { auth, subscribers: [] };
      group.subscribers.push(subscriber);
      groups.set(key, group);
    }
    const tableInfo = info;
    await Promise.all(
      [...groups.values()].map((group) =>
        recheckForCaller(this.pool, tableInfo, changes, group.auth, group.subscribers, outbox).catch((error: unknown) =>
          this.log(`re-read as ${group.auth.role} failed`, error),
        ),
      ),
    );
  }

  /** Rows too large for NOTIFY arrived as primary keys: read them now (superuser; RLS comes later). */
  private async fillLargeRows(info: TableInfo, changes: IndexedChange[]): Promise<void> {
    const large = changes.filter(({ change }) => change.b && change.n);
    if (large.length === 0 || info.primaryKey.length === 0) return;
    const keyOf = (row: Row) => JSON.stringify(info.primaryKey.map((k) => row[k]));
    const table = `${quoteIdent(info.schema)}.${quoteIdent(info.table)}`;
    const pk = info.primaryKey.map(quoteIdent);
    const { rows } = await this.admin.query<{ r: Row }>(
      `select to_jsonb(t) as r from ${table} t
        where (${pk.map((k) => `t.${k}`).join(', ')}) in
              (select ${pk.map((k) => `k.${k}`).join(', ')} from jsonb_populate_recordset(null::${table}, $1::jsonb) k)`,
      [JSON.stringify(large.map(({ change }) => change.n))],
    );
    const current = new Map(rows.map(({ r }) => [keyOf(r), r]));
    for (const { change } of large) {
      if (change.n) change.n = current.get(keyOf(change.n)) ?? change.n;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    await this.draining?.catch(() => {});
    await listener?.close();
    await this.admin.end().catch(() => {});
  }
}
