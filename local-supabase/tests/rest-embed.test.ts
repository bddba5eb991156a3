import { describe, expect, it } from 'vitest';
import { withTestStack } from '../testing/vitest.ts';

const stack = withTestStack({ realtime: false });

describe('computed fields (rest 3)', () => {
  it('selects a function of the row like a column, with an alias and a cast', async () => {
    const { data, error } = await stack.anon.from('rf_authors').select('id, rf_label, books:rf_book_count, count_text:rf_book_count::text').in('id', [1, 4]).order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 1, rf_label: 'Ursula (US)', books: 2, count_text: '2' },
      { id: 4, rf_label: 'Anonymous (?)', books: 0, count_text: '0' },
    ]);
  });

  it('filters and orders by a computed field, and selects it inside an embed', async () => {
    const filtered = await stack.anon.from('rf_authors').select('name').gte('rf_book_count', 2).order('rf_label', { ascending: false });
    expect(filtered.data).toEqual([{ name: 'Ursula' }, { name: 'Stanislaw' }]);
    const embedded = await stack.anon.from('rf_books').select('title, rf_authors!author_id(rf_label)').eq('id', 3).single();
    expect(embedded.data).toEqual({ title: 'Solaris', rf_authors: { rf_label: 'Stanislaw (PL)' } });
  });

  it('leaves computed fields out of *, and still answers 42703 for a name that is neither', async () => {
    const star = await stack.anon.from('rf_authors').select('*').eq('id', 2).single();
    expect(Object.keys(star.data ?? {})).not.toContain('rf_label');
    const unknown = await stack.anon.from('rf_authors').select('rf_nope');
    expect(unknown.error?.code).toBe('42703');
  });
});

describe('computed relationships (rest 4)', () => {
  it('embeds a set-returning function of the row as a to-many relationship, with its own filters and order', async () => {
    const { data, error } = await stack.anon
      .from('rf_authors')
      .select('name, rf_published(title, pages)')
      .in('id', [1, 2])
      .order('pages', { referencedTable: 'rf_published', ascending: true })
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { name: 'Ursula', rf_published: [{ title: 'The Left Hand of Darkness', pages: 304 }, { title: 'The Dispossessed', pages: 387 }] },
      { name: 'Stanislaw', rf_published: [{ title: 'Solaris', pages: 204 }] },
    ]);
  });

  it('embeds a `rows 1` function and a single-row function as to-one objects', async () => {
    const longest = await stack.anon.from('rf_authors').select('name, rf_longest(title)').in('id', [2, 4]).order('id');
    expect(longest.data).toEqual([
      { name: 'Stanislaw', rf_longest: { title: 'The Cyberiad' } },
      { name: 'Anonymous', rf_longest: null },
    ]);
    const writer = await stack.anon.from('rf_books').select('title, writer:rf_writer(name)').in('id', [3, 6]).order('id');
    // A function that is not SETOF returns NULL as one row of nulls in FROM (PostgreSQL's rule, so PostgREST's too):
    // PostgREST's documentation asks for SETOF … ROWS 1, which embeds a missing row as null (rf_longest above).
    expect(writer.data).toEqual([
      { title: 'Solaris', writer: { name: 'Stanislaw' } },
      { title: 'Untitled, (draft)', writer: { name: null } },
    ]);
  });

  it('filters the parents with !inner and spreads a to-one computed relationship', async () => {
    const inner = await stack.anon.from('rf_authors').select('name, rf_published!inner(title)').eq('rf_published.title', 'Solaris');
    expect(inner.data).toEqual([{ name: 'Stanislaw', rf_published: [{ title: 'Solaris' }] }]);
    const spread = await stack.anon.from('rf_books').select('title, ...rf_writer(author:name)').eq('id', 5).single();
    expect(spread.data).toEqual({ title: 'Moominland Midwinter', author: 'Tove' });
  });

  it('embeds computed relationships of the rows an RPC returns', async () => {
    const { data, error } = await stack.anon.rpc('rf_books_by', { author: 3 }).select('title, rf_writer(name, rf_published(title))');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'Moominland Midwinter', rf_writer: { name: 'Tove', rf_published: [{ title: 'Moominland Midwinter' }] } }]);
  });
});

describe('self-referencing foreign keys and views (rest 5)', () => {
  it('embeds the children under the table name and the parent under the key column', async () => {
    const { data, error } = await stack.anon.from('rf_staff').select('name, rf_staff(name), manager_id(name)').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { name: 'Ada', rf_staff: [{ name: 'Brian' }, { name: 'Chen' }], manager_id: null },
      { name: 'Brian', rf_staff: [{ name: 'Dana' }], manager_id: { name: 'Ada' } },
      { name: 'Chen', rf_staff: [], manager_id: { name: 'Ada' } },
      { name: 'Dana', rf_staff: [], manager_id: { name: 'Brian' } },
    ]);
  });

  it('takes a hint naming the key column for the children, nests levels, and filters with !inner', async () => {
    const hinted = await stack.anon.from('rf_staff').select('name, reports:rf_staff!manager_id(name, reports:rf_staff!manager_id(name))').eq('id', 1).single();
    expect(hinted.data).toEqual({ name: 'Ada', reports: [{ name: 'Brian', reports: [{ name: 'Dana' }] }, { name: 'Chen', reports: [] }] });
    const managers = await stack.anon.from('rf_staff').select('name, boss:manager_id!inner(name)').eq('boss.name', 'Ada').order('id');
    expect(managers.data).toEqual([
      { name: 'Brian', boss: { name: 'Ada' } },
      { name: 'Chen', boss: { name: 'Ada' } },
    ]);
    // As PostgREST's findRel: a constraint name never names a self relationship.
    const byConstraint = await stack.anon.from('rf_staff').select('name, rf_staff!rf_staff_manager_id_fkey(name)');
    expect(byConstraint.status).toBe(400);
    expect(byConstraint.error?.code).toBe('PGRST200');
  });

  it('embeds through a key column although a view over the referenced table shares the key', async () => {
    const byColumn = await stack.anon.from('rf_books').select('title, author_id(name), editor_id(name)').eq('id', 1).single();
    expect(byColumn.error).toBeNull();
    expect(byColumn.data).toEqual({ title: 'The Dispossessed', author_id: { name: 'Ursula' }, editor_id: { name: 'Stanislaw' } });
    const byConstraint = await stack.anon.from('rf_books').select('title, rf_books_author_id_fkey(name)').eq('id', 3).single();
    expect(byConstraint.data).toEqual({ title: 'Solaris', rf_books_author_id_fkey: { name: 'Stanislaw' } });
    const theView = await stack.anon.from('rf_books').select('title, rf_author_names!author_id(name)').eq('id', 5).single();
    expect(theView.data).toEqual({ title: 'Moominland Midwinter', rf_author_names: { name: 'Tove' } });
  });
});
