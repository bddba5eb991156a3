import { describe, expect, it } from 'vitest';
import { withTestStack } from '../testing/vitest.ts';

/**
 * PostgREST's db-prepared-statements (its default): the REST handler prepares each statement text once per pooled
 * connection, flushes them when the schema cache reloads (as PostgREST flushes its pool), and a statement whose result
 * type DDL changed is re-planned, not answered with "cached plan must not change result type".
 */
const stack = withTestStack({ realtime: false });

/** The statements the REST handler prepared on the connection that runs the call (read inside the request itself). */
const PREPARED_PROBE = `
  create function public.rp_prepared() returns int language sql stable
  as $$ select count(*)::int from pg_prepared_statements where name like 'pgrst\\_%' $$;
  grant execute on function public.rp_prepared() to anon;
`;

async function preparedCount(): Promise<number> {
  const { data, error } = await stack.anon.rpc('rp_prepared');
  expect(error).toBeNull();
  return data as number;
}

describe('rest prepared statements (db-prepared-statements)', () => {
  it('prepares a statement text once per connection and reuses it', async () => {
    await stack.pool.query(PREPARED_PROBE);
    // This call's transaction settings and its statement are prepared before the function reads the list.
    const first = await preparedCount();
    expect(first).toBeGreaterThanOrEqual(2);
    // The same call again prepares nothing new; another statement text adds one.
    expect(await preparedCount()).toBe(first);
    expect((await stack.anon.from('rf_books').select('id').limit(1)).error).toBeNull();
    expect(await preparedCount()).toBe(first + 1);
  });

  it("flushes the prepared statements when the schema cache reloads (NOTIFY pgrst), as PostgREST flushes its pool", async () => {
    expect((await stack.anon.from('rf_books').select('title').limit(1)).error).toBeNull();
    expect(await preparedCount()).toBeGreaterThan(2);
    await stack.pool.query(`notify pgrst, 'reload schema'`);
    // A connection that prepared under the old cache is retired: the call runs where only its own two statements are.
    await expect.poll(preparedCount, { timeout: 10_000, interval: 50 }).toBe(2);
    // The select prepares anew where it runs; the pool may hand the next call another fresh connection (one retired at
    // checkout is replaced), so the pair is asked until both land on one connection.
    await expect.poll(async () => {
      expect((await stack.anon.from('rf_books').select('title').limit(1)).error).toBeNull();
      return preparedCount();
    }, { timeout: 10_000, interval: 50 }).toBe(3);
  });

  it('calls a function a migration replaced with another result type, without NOTIFY, as the new function', async () => {
    await stack.pool.query(`
      create function public.rp_shape(a int) returns void language sql as $$ select null $$;
      grant execute on function public.rp_shape(int) to anon;
    `);
    const before = await stack.anon.rpc('rp_shape', { a: 1 });
    expect(before.error).toBeNull();
    expect(before.status).toBe(204);
    expect((await stack.anon.rpc('rp_shape', { a: 1 })).status).toBe(204);
    // The prepared `select rp_shape(…)` now yields an int: PostgreSQL refuses the cached plan before running it.
    await stack.pool.query(`
      drop function public.rp_shape(int);
      create function public.rp_shape(a int) returns int language sql as $$ select a * 2 $$;
      grant execute on function public.rp_shape(int) to anon;
    `);
    const after = await stack.anon.rpc('rp_shape', { a: 21 });
    expect(after.error).toBeNull();
    expect(after.status).toBe(200);
    expect(after.data).toBe(42);
  });

  it('answers a replaced set-returning function with its new columns on the connection that prepared the old call', async () => {
    await stack.pool.query(`
      create function public.rp_rows(n int) returns table (k int, twice int) language sql as $$ select g, g * 2 from generate_series(1, n) g $$;
      grant execute on function public.rp_rows(int) to anon;
    `);
    expect((await stack.anon.rpc('rp_rows', { n: 2 })).data).toEqual([{ k: 1, twice: 2 }, { k: 2, twice: 4 }]);
    expect((await stack.anon.rpc('rp_rows', { n: 2 })).data).toEqual([{ k: 1, twice: 2 }, { k: 2, twice: 4 }]);
    await stack.pool.query(`
      drop function public.rp_rows(int);
      create function public.rp_rows(n int) returns table (k int, twice int, label text) language sql as $$ select g, g * 2, 'row ' || g from generate_series(1, n) g $$;
      grant execute on function public.rp_rows(int) to anon;
    `);
    const after = await stack.anon.rpc('rp_rows', { n: 2 });
    expect(after.error).toBeNull();
    expect(after.data).toEqual([{ k: 1, twice: 2, label: 'row 1' }, { k: 2, twice: 4, label: 'row 2' }]);
  });
});
