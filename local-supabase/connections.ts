import pg from 'pg';

/** `work` on a connection of its own, closed afterwards whatever happens. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TransactionOptions {
  /** The statement that opens it (isolation level, read only); plain `begin` by default. */
  begin?: string;
  /** False: roll back even when `work` succeeds (a probe that must leave nothing behind). */
  commit?: boolean;
}

/** `work` in one transaction on a pooled client; rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(options.begin ?? 'begin');
    const result = await work(client);
    await client.query(options.commit === false ? 'rollback' : 'commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
