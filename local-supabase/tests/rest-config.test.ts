import { describe, expect, it } from 'vitest';
import { withTestStack } from '../testing/vitest.ts';

const stack = withTestStack({ realtime: false });

/** PostgREST's in-database configuration: a `pgrst.*` setting of the role it logs in as, for this database. */
async function setPgrst(name: string, value: string): Promise<void> {
  const database = (await stack.pool.query<{ name: string }>('select current_database() as name')).rows[0]!.name;
  await stack.pool.query(`alter role authenticator in database "${database}" set ${name} = '${value}'`);
}

describe('the schema cache and the in-database configuration (rest 9)', () => {
  it("reloads the schema cache on NOTIFY pgrst, 'reload schema', as PostgREST does", async () => {
    const before = await stack.anon.from('rf_profiles').select('bio, rf_authors(name)').eq('author_id', 1).single();
    expect(before.data).toEqual({ bio: 'Earthsea and beyond', rf_authors: { name: 'Ursula' } });
    await stack.pool.query('alter table public.rf_profiles add column reviewer_id int references public.rf_authors (id)');
    // Until told, the cache (and so the answer) stays what it was.
    const cached = await stack.anon.from('rf_profiles').select('bio, rf_authors(name)').eq('author_id', 1).single();
    expect(cached.status).toBe(200);
    await stack.pool.query(`notify pgrst, 'reload schema'`);
    await expect.poll(async () => (await stack.anon.from('rf_profiles').select('bio, rf_authors(name)')).error?.code, { timeout: 10_000, interval: 50 }).toBe('PGRST201');
    await stack.pool.query('alter table public.rf_profiles drop column reviewer_id');
    await stack.pool.query(`notify pgrst`);
    await expect.poll(async () => (await stack.anon.from('rf_profiles').select('bio, rf_authors(name)')).status, { timeout: 10_000, interval: 50 }).toBe(200);
  });

  it("turns aggregates on with pgrst.db_aggregates_enabled and NOTIFY pgrst, 'reload config'", async () => {
    const off = await stack.anon.from('rf_books').select('pages.sum()');
    expect(off.error).toMatchObject({ code: 'PGRST123', message: 'Use of aggregate functions is not allowed' });
    await setPgrst('pgrst.db_aggregates_enabled', 'true');
    await stack.pool.query(`notify pgrst, 'reload config'`);
    await expect.poll(async () => (await stack.anon.from('rf_books').select('pages.sum()')).data, { timeout: 10_000, interval: 50 }).toEqual([{ sum: 1355 }]);
  });

  it('aggregates with grouping, aliases, input and output casts, and count()', async () => {
    const grouped = await stack.anon.from('rf_books').select('status, books:count(), pages.sum(), avg:pages.avg()::int, pages.max()').order('status');
    expect(grouped.error).toBeNull();
    expect(grouped.data).toEqual([
      { status: 'draft', books: 2, sum: 295, avg: 295, max: 295 },
      { status: 'published', books: 4, sum: 1060, avg: 265, max: 387 },
    ]);
    const series = await stack.anon.from('rf_books').select('series:data->>series, count()').not('data->>series', 'is', null).order('data->>series');
    expect(series.data).toEqual([
      { series: 'Hainish', count: 2 },
      { series: 'Moomins', count: 1 },
    ]);
    const inputCast = await stack.anon.from('rf_authors').select('born:meta->>born::int.min()').single();
    expect(inputCast.data).toEqual({ born: 1914 });
  });

  it('aggregates inside an embed, groups by a spread column, and hoists an aggregate out of a to-one spread', async () => {
    const perAuthor = await stack.anon.from('rf_authors').select('name, rf_books!author_id(status, count())').in('id', [1, 2]).order('id');
    expect(perAuthor.data).toEqual([
      { name: 'Ursula', rf_books: [{ status: 'published', count: 2 }] },
      { name: 'Stanislaw', rf_books: expect.arrayContaining([{ status: 'published', count: 1 }, { status: 'draft', count: 1 }]) as unknown },
    ]);
    const byCountry = await stack.anon.from('rf_books').select('pages.sum(), ...rf_authors!author_id(country)').not('author_id', 'is', null);
    expect(byCountry.error).toBeNull();
    expect(byCountry.data).toEqual(expect.arrayContaining([
      { sum: 691, country: 'US' },
      { sum: 499, country: 'PL' },
      { sum: 165, country: 'FI' },
    ]));
    const hoisted = await stack.anon.from('rf_books').select('status, ...rf_authors!author_id(born:meta->>born::int.min())').order('status');
    expect(hoisted.data).toEqual([
      { status: 'draft', born: 1921 },
      { status: 'published', born: 1914 },
    ]);
  });

  it('spreads a to-many relationship into arrays of its columns (PostgREST 13)', async () => {
    const { data, error } = await stack.anon
      .from('rf_authors')
      .select('name, ...rf_books!author_id(titles:title, pages)')
      .order('id', { referencedTable: 'rf_books' })
      .in('id', [2, 4])
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { name: 'Stanislaw', titles: ['Solaris', 'The Cyberiad'], pages: [204, 295] },
      { name: 'Anonymous', titles: [], pages: [] },
    ]);
  });

  it('answers Accept: application/vnd.pgrst.plan once pgrst.db_plan_enabled is on', async () => {
    const off = await stack.anon.from('rf_books').select('title').eq('id', 1).explain();
    expect(off.status).toBe(406);
    expect(off.error?.code).toBe('PGRST107');
    await setPgrst('pgrst.db_plan_enabled', 'on');
    await stack.pool.query(`notify pgrst, 'reload config'`);
    await expect.poll(async () => (await stack.anon.from('rf_books').select('title').eq('id', 1).explain()).status, { timeout: 10_000, interval: 50 }).toBe(200);
    const text = await stack.anon.from('rf_books').select('title').eq('id', 1).explain();
    expect(text.data).toMatch(/Aggregate/);
    expect(text.data).toMatch(/rf_books/);
    const json = await stack.anon.from('rf_books').select('title').explain({ format: 'json' });
    expect(json.error).toBeNull();
    expect(json.data).toEqual([expect.objectContaining({ Plan: expect.objectContaining({ 'Node Type': 'Aggregate' }) as unknown })]);
  });
});
