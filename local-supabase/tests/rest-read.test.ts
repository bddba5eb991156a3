import { describe, expect, it } from 'vitest';
import { ANON_KEY, SERVICE_ROLE_KEY } from '../index.ts';
import { startTestStack } from '../testing/stack.ts';
import { withTestStack } from '../testing/vitest.ts';
import { restFetch, type RestInit } from './support/rest.ts';

const stack = withTestStack({ realtime: false });

const raw = (path: string, init?: RestInit): Promise<Response> => restFetch(stack.url, path, init);

describe('rest select', () => {
  it('returns all rows with * and the columns Postgres typed', async () => {
    const { data, error, status } = await stack.anon.from('rf_authors').select('*').order('id');
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toHaveLength(4);
    expect(data?.[0]).toEqual({ id: 1, name: 'Ursula', country: 'US', meta: { born: 1929, awards: { hugo: 5 } }, tags: ['scifi', 'fantasy'] });
  });

  it('renames with aliases, follows json paths and casts', async () => {
    const { data, error } = await stack.anon
      .from('rf_authors')
      .select('who:name, born:meta->born, hugo:meta->awards->>hugo, meta->awards, id::text')
      .eq('id', 1)
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({ who: 'Ursula', born: 1929, hugo: '5', awards: { hugo: 5 }, id: '1' });
  });

  it('embeds to-one as an object or null and to-many as an array', async () => {
    const { data, error } = await stack.anon
      .from('rf_books')
      .select('title, author:rf_authors!author_id(name), editor:rf_authors!editor_id(name)')
      .order('id')
      .limit(2);
    expect(error).toBeNull();
    expect(data).toEqual([
      { title: 'The Dispossessed', author: { name: 'Ursula' }, editor: { name: 'Stanislaw' } },
      { title: 'The Left Hand of Darkness', author: { name: 'Ursula' }, editor: null },
    ]);
    const authors = await stack.anon.from('rf_authors').select('name, rf_books!author_id(title), rf_profiles(bio)').eq('id', 3).single();
    expect(authors.error).toBeNull();
    expect(authors.data).toEqual({ name: 'Tove', rf_books: [{ title: 'Moominland Midwinter' }], rf_profiles: null });
  });

  it('answers 300 PGRST201 for an ambiguous embed and 400 PGRST200 for no relationship', async () => {
    const ambiguous = await stack.anon.from('rf_books').select('title, rf_authors(name)');
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.error?.code).toBe('PGRST201');
    expect(ambiguous.error?.details).toHaveLength(2);
    const none = await stack.anon.from('rf_books').select('title, rf_notes(body)');
    expect(none.status).toBe(400);
    expect(none.error?.code).toBe('PGRST200');
    expect(none.error?.message).toBe("Could not find a relationship between 'rf_books' and 'rf_notes' in the schema cache");
  });

  it('filters, orders and limits inside embeds, and !inner filters the parents', async () => {
    const { data, error } = await stack.anon
      .from('rf_authors')
      .select('name, rf_books!author_id(title, pages)')
      .in('id', [1, 2])
      .gt('rf_books.pages', 250)
      .order('pages', { referencedTable: 'rf_books', ascending: false })
      .limit(1, { referencedTable: 'rf_books' })
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { name: 'Ursula', rf_books: [{ title: 'The Dispossessed', pages: 387 }] },
      { name: 'Stanislaw', rf_books: [{ title: 'The Cyberiad', pages: 295 }] },
    ]);
    const inner = await stack.anon.from('rf_authors').select('name, rf_books!author_id!inner(title)', { count: 'exact' }).eq('rf_books.status', 'draft');
    expect(inner.error).toBeNull();
    expect(inner.data).toEqual([{ name: 'Stanislaw', rf_books: [{ title: 'The Cyberiad' }] }]);
    expect(inner.count).toBe(1);
    const spread = await stack.anon.from('rf_books').select('title, ...rf_authors!author_id(author_name:name)').eq('id', 3).single();
    expect(spread.data).toEqual({ title: 'Solaris', author_name: 'Stanislaw' });
  });

  it('picks a relationship by foreign key name, filters a to-one !inner embed and refuses filters on unselected embeds', async () => {
    const byName = await stack.anon.from('rf_books').select('title, rf_authors!rf_books_editor_id_fkey(name)').eq('id', 1).single();
    expect(byName.data).toEqual({ title: 'The Dispossessed', rf_authors: { name: 'Stanislaw' } });
    const inner = await stack.anon.from('rf_books').select('id, author:rf_authors!author_id!inner(country)').eq('author.country', 'PL').order('id');
    expect(inner.data).toEqual([
      { id: 3, author: { country: 'PL' } },
      { id: 4, author: { country: 'PL' } },
    ]);
    const withoutEmbed = await stack.anon.from('rf_books').select('id').eq('rf_authors.country', 'PL');
    expect(withoutEmbed.status).toBe(400);
    expect(withoutEmbed.error?.code).toBe('PGRST108');
    const filterOnly = await stack.anon.from('rf_books').select('id, rf_authors!author_id!inner()').eq('rf_authors.country', 'FI');
    expect(filterOnly.data).toEqual([{ id: 5 }]);
    const nullEmbed = await stack.anon.from('rf_books').select('id, author:rf_authors!author_id(id)').is('author', null);
    expect(nullEmbed.data).toEqual([{ id: 6, author: null }]);
  });

  it('embeds many-to-many through a junction table', async () => {
    const { data, error } = await stack.anon.from('rf_books').select('id, rf_tags(label)').in('id', [1, 2, 3]).order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 1, rf_tags: [{ label: 'classic' }] },
      { id: 2, rf_tags: [] },
      { id: 3, rf_tags: [{ label: 'classic' }, { label: 'short' }] },
    ]);
    const back = await stack.anon.from('rf_tags').select('label, rf_books!rf_book_tags(id)').eq('id', 2).order('id', { referencedTable: 'rf_books' }).single();
    expect(back.data).toEqual({ label: 'short', rf_books: [{ id: 3 }, { id: 5 }] });
  });

  it('embeds through a view, which inherits its table\'s foreign keys', async () => {
    const fromView = await stack.anon.from('rf_book_list').select('title, rf_authors(name)').eq('book_id', 3).single();
    expect(fromView.error).toBeNull();
    expect(fromView.data).toEqual({ title: 'Solaris', rf_authors: { name: 'Stanislaw' } });
    const intoView = await stack.anon.from('rf_authors').select('name, rf_book_list(title)').eq('id', 3).single();
    expect(intoView.data).toEqual({ name: 'Tove', rf_book_list: [{ title: 'Moominland Midwinter' }] });
  });

  it('applies every filter operator', async () => {
    const ids = async (query: PromiseLike<{ data: Array<{ id: number }> | null; error: unknown }>) => {
      const { data, error } = await query;
      expect(error).toBeNull();
      return (data ?? []).map((row) => row.id).sort();
    };
    const books = () => stack.anon.from('rf_books').select('id');
    expect(await ids(books().eq('status', 'draft'))).toEqual([4, 6]);
    expect(await ids(books().neq('status', 'draft'))).toEqual([1, 2, 3, 5]);
    expect(await ids(books().gt('pages', 300))).toEqual([1, 2]);
    expect(await ids(books().gte('pages', 304))).toEqual([1, 2]);
    expect(await ids(books().lt('pages', 204))).toEqual([5]);
    expect(await ids(books().lte('pages', 204))).toEqual([3, 5]);
    expect(await ids(books().like('title', '%Dark%'))).toEqual([2]);
    expect(await ids(books().like('title', '*Dark*'))).toEqual([2]);
    expect(await ids(books().ilike('title', 'the c%'))).toEqual([4]);
    expect(await ids(books().is('pages', null))).toEqual([6]);
    expect(await ids(books().not('pages', 'is', null))).toEqual([1, 2, 3, 4, 5]);
    expect(await ids(books().in('title', ['Solaris', 'Untitled, (draft)']))).toEqual([3, 6]);
    expect(await ids(books().not('status', 'in', '(draft)'))).toEqual([1, 2, 3, 5]);
    expect(await ids(books().contains('data', { series: 'Hainish' }))).toEqual([1, 2]);
    expect(await ids(books().eq('data->>series', 'Moomins'))).toEqual([5]);
    expect(await ids(books().or('pages.lt.200,and(status.eq.draft,pages.gt.290)'))).toEqual([4, 5]);
    expect(await ids(books().or('title.eq."Untitled, (draft)",id.eq.1'))).toEqual([1, 6]);
    expect(await ids(books().or('pages.gt.300,pages.is.null').eq('status', 'draft'))).toEqual([6]);
    expect(await ids(books().not('title', 'ilike', '*the*'))).toEqual([3, 5, 6]);
    expect(await ids(books().is('in_print', true))).toEqual([1, 2, 3]);
    expect(await ids(books().is('in_print', false))).toEqual([4]);
    expect(await ids(books().containedBy('data', { series: 'Hainish', extra: 1 }))).toEqual([1, 2, 3, 4, 6]);
    expect(await ids(books().filter('title', 'imatch', '^the (d|c)'))).toEqual([1, 4]);
    expect(await ids(books().or('title.like(any).{Sol*,Moom*}'))).toEqual([3, 5]);
    const authors = async (query: PromiseLike<{ data: Array<{ id: number }> | null; error: unknown }>) => ids(query);
    expect(await authors(stack.anon.from('rf_authors').select('id').contains('tags', ['scifi']))).toEqual([1, 2]);
    expect(await authors(stack.anon.from('rf_authors').select('id').containedBy('tags', ['scifi', 'fantasy']))).toEqual([1, 2, 4]);
    expect(await authors(stack.anon.from('rf_authors').select('id').overlaps('tags', ['children', 'fantasy']))).toEqual([1, 3]);
    expect(await authors(stack.anon.from('rf_authors').select('id').is('country', null))).toEqual([4]);
  });

  it('orders with nulls first/last and pages with limit/offset', async () => {
    const { data } = await stack.anon.from('rf_books').select('id').order('pages', { ascending: false, nullsFirst: true }).range(0, 2);
    expect(data).toEqual([{ id: 6 }, { id: 1 }, { id: 2 }]);
    const last = await stack.anon.from('rf_books').select('id').order('pages', { ascending: true, nullsFirst: false }).range(4, 5);
    expect(last.data).toEqual([{ id: 1 }, { id: 6 }]);
  });

  it('counts exactly with Content-Range, 206 for a partial page and HEAD without a body', async () => {
    const page = await stack.anon.from('rf_books').select('id', { count: 'exact' }).order('id').range(1, 2);
    expect(page.status).toBe(206);
    expect(page.count).toBe(6);
    expect(page.data).toEqual([{ id: 2 }, { id: 3 }]);
    const response = await raw('/rf_books?select=id&limit=2&offset=1', { headers: { prefer: 'count=exact' } });
    expect(response.headers.get('content-range')).toBe('1-2/6');
    const all = await raw('/rf_books?select=id', { headers: { prefer: 'count=exact' } });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-range')).toBe('0-5/6');
    const uncounted = await raw('/rf_books?select=id&status=eq.nothing');
    expect(uncounted.headers.get('content-range')).toBe('*/*');
    const head = await stack.anon.from('rf_books').select('*', { count: 'exact', head: true }).eq('status', 'draft');
    expect(head.count).toBe(2);
    expect(head.data).toBeNull();
    const headResponse = await raw('/rf_books', { method: 'HEAD', headers: { prefer: 'count=exact' } });
    expect(headResponse.headers.get('content-range')).toBe('0-5/6');
    expect(await headResponse.text()).toBe('');
  });

  it('orders parents by a to-one embed column and refuses a to-many one with 400 PGRST118', async () => {
    const { data, error } = await stack.anon
      .from('rf_books')
      .select('id, author:rf_authors!author_id(name)')
      .not('author_id', 'is', null)
      .order('author(name)', { ascending: false })
      .order('id');
    expect(error).toBeNull();
    expect(data?.map((row: { id: number }) => row.id)).toEqual([1, 2, 5, 3, 4]);
    const toMany = await stack.anon.from('rf_authors').select('id, rf_books!author_id(id)').order('rf_books(id)');
    expect(toMany.status).toBe(400);
    expect(toMany.error?.code).toBe('PGRST118');
  });

  it('answers text/csv when asked', async () => {
    const { data, error } = await stack.anon.from('rf_books').select('id, title, pages').in('id', [1, 6]).order('id').csv();
    expect(error).toBeNull();
    expect(data).toBe('id,title,pages\n1,"The Dispossessed",387\n6,"Untitled, (draft)",');
  });

  it('pages with a Range header as well', async () => {
    const response = await raw('/rf_books?select=id&order=id', { headers: { range: '2-3', prefer: 'count=exact' } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('2-3/6');
    expect(await response.json()).toEqual([{ id: 3 }, { id: 4 }]);
  });

  it('counts related rows with rel(count)', async () => {
    const { data, error } = await stack.anon.from('rf_authors').select('name, rf_books!author_id(count)').order('id').limit(2);
    expect(error).toBeNull();
    expect(data).toEqual([
      { name: 'Ursula', rf_books: [{ count: 2 }] },
      { name: 'Stanislaw', rf_books: [{ count: 2 }] },
    ]);
  });

  it('answers 416 PGRST103 for an offset past the end or a negative limit', async () => {
    const response = await raw('/rf_books?offset=10', { headers: { prefer: 'count=exact' } });
    expect(response.status).toBe(416);
    expect(await response.json()).toMatchObject({ code: 'PGRST103', details: 'An offset of 10 was requested, but there are only 6 rows.' });
    const atEnd = await raw('/rf_books?offset=6', { headers: { prefer: 'count=exact' } });
    expect(atEnd.status).toBe(206);
    expect(atEnd.headers.get('content-range')).toBe('*/6');
    const negative = await raw('/rf_books?limit=-1');
    expect(negative.status).toBe(416);
  });

  it('caps a read at maxRows', async () => {
    const capped = await startTestStack({ databaseUrl: stack.databaseUrl, api: { maxRows: 2 }, realtime: false });
    try {
      const response = await fetch(`${capped.url}/rest/v1/rf_books?select=id`, { headers: { apikey: ANON_KEY, prefer: 'count=exact' } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe('0-1/6');
      expect(await response.json()).toHaveLength(2);
    } finally {
      await capped.stop();
    }
  });

  it('single() gives an object, and 406 PGRST116 when the row count is not one', async () => {
    const one = await stack.anon.from('rf_authors').select('name').eq('id', 2).single();
    expect(one.data).toEqual({ name: 'Stanislaw' });
    const none = await stack.anon.from('rf_authors').select('name').eq('id', 99).single();
    expect(none.status).toBe(406);
    expect(none.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 0 rows', message: 'Cannot coerce the result to a single JSON object' });
    const many = await stack.anon.from('rf_authors').select('name').single();
    expect(many.error?.details).toBe('The result contains 4 rows');
    const maybe = await stack.anon.from('rf_authors').select('name').eq('id', 99).maybeSingle();
    expect(maybe).toMatchObject({ data: null, error: null });
  });

  it('chooses the schema by profile and refuses one that is not exposed with 406 PGRST106', async () => {
    const response = await raw('/rf_books', { headers: { 'accept-profile': 'private' } });
    expect(response.status).toBe(406);
    expect(await response.json()).toMatchObject({ code: 'PGRST106', message: 'Invalid schema: private' });
    const service = stack.client(SERVICE_ROLE_KEY, { schema: 'auth' });
    const denied = await service.from('users').select('id');
    expect(denied.error?.code).toBe('PGRST106');
    const both = await startTestStack({ databaseUrl: stack.databaseUrl, api: { schemas: ['public', 'rf_api'] }, realtime: false });
    try {
      const api = both.client(ANON_KEY, { schema: 'rf_api' });
      expect((await api.from('rf_books').select('*')).data).toEqual([{ code: 'api-only' }]);
      const fallback = both.client(ANON_KEY);
      expect((await fallback.from('rf_books').select('id').eq('id', 1)).data).toEqual([{ id: 1 }]);
    } finally {
      await both.stop();
    }
  });

  it('answers 404 PGRST205 for an unknown table and 400 42703 for an unknown column', async () => {
    const table = await stack.anon.from('rf_missing').select('*');
    expect(table.status).toBe(404);
    expect(table.error).toMatchObject({ code: 'PGRST205', message: "Could not find the table 'public.rf_missing' in the schema cache" });
    const typo = await stack.anon.from('rf_bookz').select('*');
    expect(typo.error?.hint).toBe("Perhaps you meant the table 'public.rf_books'");
    const aggregate = await stack.anon.from('rf_books').select('count()');
    expect(aggregate.error?.code).toBe('PGRST123');
    const column = await stack.anon.from('rf_books').select('nope');
    expect(column.status).toBe(400);
    expect(column.error?.code).toBe('42703');
  });

  it('sees a table created after the cache was loaded', async () => {
    await stack.anon.from('rf_books').select('id').limit(1);
    await stack.pool.query(`create table public.rf_late (id int primary key); insert into public.rf_late values (7); grant select on public.rf_late to anon`);
    const { data, error } = await stack.anon.from('rf_late').select('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 7 }]);
  });
});
