import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANON_KEY } from '../index.ts';
import { userToken } from '../testing/tokens.ts';
import { withTestStack } from '../testing/vitest.ts';
import { restFetch, type RestInit } from './support/rest.ts';

const stack = withTestStack({ realtime: false });
let writer: SupabaseClient;

beforeAll(async () => {
  writer = stack.client(ANON_KEY, { accessToken: await userToken('c0000000-0000-4000-8000-0000000000c1') });
});

const raw = (path: string, init?: RestInit): Promise<Response> => restFetch(stack.url, path, init);

/** supabase-js types maxAffected() only for clients declared PostgREST 13; these untyped fixture clients are not. */
function maxAffected<T>(builder: T, rows: number): T {
  return (builder as unknown as { maxAffected(rows: number): T }).maxAffected(rows);
}

/** The planner's own row estimate of a query, read the way PostgREST reads it (the top node's "Plan Rows"). */
async function plannerEstimate(sql: string): Promise<number> {
  const { rows } = await stack.pool.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`explain (format json) ${sql}`);
  return rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows'];
}

describe('count on RPC (rest 1)', () => {
  it('counts the rows of a set-returning function by POST, GET and HEAD, with a Content-Range supabase-js can read', async () => {
    const post = await stack.anon.rpc('rf_all_books', {}, { count: 'exact' }).range(0, 1);
    expect(post.error).toBeNull();
    expect(post.count).toBe(6);
    expect(post.status).toBe(206);
    const get = await stack.anon.rpc('rf_all_books', {}, { get: true, count: 'exact' }).eq('status', 'draft');
    expect(get.count).toBe(2);
    expect(get.data).toHaveLength(2);
    const head = await stack.anon.rpc('rf_books_by', { author: 1 }, { head: true, count: 'exact' });
    expect(head.count).toBe(2);
    expect(head.data).toBeNull();
    const response = await raw('/rpc/rf_all_books?limit=2', { headers: { prefer: 'count=exact' } });
    expect(response.headers.get('content-range')).toBe('0-1/6');
  });

  it('counts one row for a scalar function and each value of a set of scalars', async () => {
    const scalar = await stack.anon.rpc('rf_add', { a: 1, b: 2 }, { count: 'exact' });
    expect(scalar).toMatchObject({ data: 3, count: 1, status: 200 });
    const values = await stack.anon.rpc('rf_numbers', { n: 4 }, { count: 'exact' });
    expect(values).toMatchObject({ data: [1, 2, 3, 4], count: 4 });
    const headOfValues = await stack.anon.rpc('rf_numbers', { n: 5 }, { head: true, count: 'exact' });
    expect(headOfValues.count).toBe(5);
  });
});

describe('max-affected on RPC (rest 2)', () => {
  it('rolls a function call back with 400 PGRST124 when it returns more rows than allowed under handling=strict', async () => {
    const refused = await maxAffected(writer.rpc('rf_retitle_drafts', { suffix: ' (v2)' }), 1);
    expect(refused.status).toBe(400);
    expect(refused.error).toMatchObject({ code: 'PGRST124', message: 'Query result exceeds max-affected preference constraint', details: 'The query affects 2 rows' });
    const titles = (await stack.anon.from('rf_books').select('title').eq('status', 'draft').order('id')).data;
    expect(titles).toEqual([{ title: 'The Cyberiad' }, { title: 'Untitled, (draft)' }]);

    const allowed = await maxAffected(writer.rpc('rf_retitle_drafts', { suffix: ' (v2)' }).select('title').order('id'), 2);
    expect(allowed.error).toBeNull();
    expect(allowed.data).toEqual([{ title: 'The Cyberiad (v2)' }, { title: 'Untitled, (draft) (v2)' }]);
    await stack.pool.query(`update public.rf_books set title = replace(title, ' (v2)', '') where status = 'draft'`);
  });

  it('ignores max-affected without handling=strict, as PostgREST does', async () => {
    const lenient = await raw('/rpc/rf_all_books', { method: 'POST', body: '{}', headers: { prefer: 'max-affected=1' } });
    expect(lenient.status).toBe(200);
    expect(await lenient.json()).toHaveLength(6);
  });
});

describe('planned and estimated counts (rest 8)', () => {
  it('answers count=planned with the planner estimate and 206, not the exact count', async () => {
    const estimate = await plannerEstimate('select 1 from public.rf_books');
    expect(estimate).not.toBe(6);
    const { count, status, data } = await stack.anon.from('rf_books').select('id', { count: 'planned' }).order('id');
    expect(data).toHaveLength(6);
    expect(count).toBe(estimate);
    expect(status).toBe(estimate > 6 ? 206 : 200);
  });

  it('answers count=estimated exactly below max-rows and with the larger of both above it', async () => {
    const small = await stack.anon.from('rf_books').select('id', { count: 'estimated' }).limit(2);
    expect(small).toMatchObject({ count: 6, status: 206 });
    // No autovacuum analyze between the two EXPLAINs: the estimate must stay the planner's, not change under the test.
    await stack.pool.query(`alter table public.rf_log set (autovacuum_enabled = false);
      insert into public.rf_log (message) select 'row ' || g from generate_series(1, 1200) g`);
    const estimate = await plannerEstimate(`select 1 from public.rf_log`);
    const exact = Number((await stack.pool.query<{ n: string }>('select count(*) as n from public.rf_log')).rows[0]!.n);
    const big = await stack.anon.from('rf_log').select('id', { count: 'estimated' }).limit(10);
    expect(big.status).toBe(206);
    expect(big.count).toBe(Math.max(exact, estimate));
  });

  it('estimates the rows a filter keeps, on tables and on function results', async () => {
    const estimate = await plannerEstimate(`select 1 from public.rf_books where status = 'draft'`);
    const filtered = await stack.anon.from('rf_books').select('id', { count: 'planned', head: true }).eq('status', 'draft');
    expect(filtered.count).toBe(estimate);
    const fromFunction = await stack.anon.rpc('rf_all_books', {}, { count: 'planned' }).limit(1);
    expect(fromFunction.count).toBe(await plannerEstimate('select 1 from public.rf_all_books()'));
    expect(fromFunction.status).toBe(206);
  });
});
