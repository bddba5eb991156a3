import { describe, expect, it } from 'vitest';
import { withTestStack } from '../testing/vitest.ts';
import { restFetch } from './support/rest.ts';

/**
 * The REST handler keeps the plan of a request for identical requests under the same schema cache load (planning cost
 * about 0.2 ms a request): what a plan depends on (path, query, the headers it reads, the body) tells plans apart, and
 * a schema reload drops them with the cache they were made from.
 */
const stack = withTestStack({ realtime: false });

describe('rest plan cache', () => {
  it('answers requests that differ only in a header or the body each by their own plan', async () => {
    const path = '/rf_books?select=id&order=id';
    const first = await restFetch(stack.url, path, { headers: { range: '0-0' } });
    const again = await restFetch(stack.url, path, { headers: { range: '0-0' } });
    const second = await restFetch(stack.url, path, { headers: { range: '1-1' } });
    const firstRows = (await first.json()) as Array<{ id: number }>;
    expect(await again.json()).toEqual(firstRows);
    const secondRows = (await second.json()) as Array<{ id: number }>;
    expect(secondRows).toHaveLength(1);
    expect(secondRows[0]!.id).toBeGreaterThan(firstRows[0]!.id);
    expect(first.headers.get('content-range')).toBe('0-0/*');
    const counted = await restFetch(stack.url, path, { headers: { range: '0-0', prefer: 'count=exact' } });
    expect(counted.headers.get('content-range')).toMatch(/^0-0\/\d+$/);
    const single = await restFetch(stack.url, path, { headers: { range: '0-0', accept: 'application/vnd.pgrst.object+json' } });
    expect(await single.json()).toEqual(firstRows[0]);

    expect((await stack.anon.rpc('rf_add', { a: 1, b: 1 })).data).toBe(2);
    expect((await stack.anon.rpc('rf_add', { a: 1, b: 1 })).data).toBe(2);
    expect((await stack.anon.rpc('rf_add', { a: 2, b: 1 })).data).toBe(3);
    expect((await stack.anon.rpc('rf_add', { a: 1, b: 1 }, { get: true })).data).toBe(2);
    expect((await stack.anon.rpc('rf_add', { a: 5, b: 1 }, { get: true })).data).toBe(6);
  });

  it('plans anew after a schema reload: an embed whose foreign key was dropped is refused as PostgREST refuses it', async () => {
    await stack.pool.query(`
      create table public.pc_parent (id int primary key);
      create table public.pc_child (id int primary key, parent_id int constraint pc_child_parent references public.pc_parent (id));
      insert into public.pc_parent values (1);
      insert into public.pc_child values (10, 1);
      grant select on public.pc_parent, public.pc_child to anon;
      notify pgrst, 'reload schema';
    `);
    const embed = () => stack.anon.from('pc_child').select('id, pc_parent(id)');
    await expect.poll(async () => (await embed()).data, { timeout: 10_000, interval: 50 }).toEqual([{ id: 10, pc_parent: { id: 1 } }]);
    expect((await embed()).data).toEqual([{ id: 10, pc_parent: { id: 1 } }]);
    await stack.pool.query(`alter table public.pc_child drop constraint pc_child_parent; notify pgrst, 'reload schema';`);
    // The join the old plan spelled out would still run; the reloaded cache knows no relationship.
    await expect.poll(async () => (await embed()).error?.code, { timeout: 10_000, interval: 50 }).toBe('PGRST200');
    expect((await embed()).status).toBe(400);
  });
});
