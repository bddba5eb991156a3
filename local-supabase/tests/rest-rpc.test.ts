import type { SupabaseClient } from '@supabase/supabase-js';
import fc from 'fast-check';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANON_KEY, createRestHandler } from '../index.ts';
import { userToken } from '../testing/tokens.ts';
import { withTestStack } from '../testing/vitest.ts';
import { restFetch, type RestInit } from './support/rest.ts';

// The rest handler's own 10 MB body limit answers, not the gateway's.
const stack = withTestStack({ realtime: false, bodyLimitBytes: 20 * 1024 * 1024 });
let user: SupabaseClient;

beforeAll(async () => {
  user = stack.client(ANON_KEY, { accessToken: await userToken('c0000000-0000-4000-8000-00000000000c') });
});

const raw = (path: string, init?: RestInit): Promise<Response> => restFetch(stack.url, path, init);

describe('rest rpc', () => {
  it('calls a scalar function with named args by POST and by GET, using defaults', async () => {
    expect((await stack.anon.rpc('rf_add', { a: 2, b: 3 })).data).toBe(5);
    expect((await stack.anon.rpc('rf_add', { a: 2 })).data).toBe(3);
    expect((await stack.anon.rpc('rf_add', { a: 40, b: 2 }, { get: true })).data).toBe(42);
    expect((await stack.anon.rpc('rf_sum', { ids: [1, 2, 3] })).data).toBe(6);
    expect((await stack.anon.rpc('rf_sum', { ids: [4, 5] }, { get: true })).data).toBe(9);
    expect((await stack.anon.rpc('rf_echo', { payload: { a: [1, { b: null }] } })).data).toEqual({ a: [1, { b: null }] });
  });

  it('answers 204 for a void function', async () => {
    const { status, data, error } = await stack.anon.rpc('rf_noop');
    expect(error).toBeNull();
    expect(status).toBe(204);
    expect(data).toBeNull();
  });

  it('returns SETOF rows with filters, order, limit, select and count applied', async () => {
    const { data, count, status } = await stack.anon
      .rpc('rf_books_by', { author: 1 }, { count: 'exact' })
      .select('title, pages')
      .gt('pages', 100)
      .order('pages', { ascending: true })
      .limit(1);
    expect(status).toBe(206);
    expect(count).toBe(2);
    expect(data).toEqual([{ title: 'The Left Hand of Darkness', pages: 304 }]);
    const embedded = await stack.anon.rpc('rf_books_by', { author: 2 }).select('title, editor:rf_authors!editor_id(name)').order('id');
    expect(embedded.data).toEqual([
      { title: 'Solaris', editor: { name: 'Ursula' } },
      { title: 'The Cyberiad', editor: null },
    ]);
    const viaGet = await raw('/rpc/rf_books_by?author=3&select=title&status=eq.published');
    expect(await viaGet.json()).toEqual([{ title: 'Moominland Midwinter' }]);
  });

  it('returns TABLE results as rows, single() as an object, and SETOF scalars as an array', async () => {
    const card = await stack.anon.rpc('rf_author_card', { author: 2 }).single();
    expect(card.data).toEqual({ name: 'Stanislaw', books: 2 });
    const missing = await stack.anon.rpc('rf_author_card', { author: 99 }).single();
    expect(missing.status).toBe(406);
    expect(missing.error?.code).toBe('PGRST116');
    expect((await stack.anon.rpc('rf_numbers', { n: 3 })).data).toEqual([1, 2, 3]);
    expect((await stack.anon.rpc('rf_first_author').select('name')).data).toEqual({ name: 'Ursula' });
  });

  it('chooses an overload by its argument names', async () => {
    expect((await stack.anon.rpc('rf_greet', { name: 'Ada' })).data).toBe('hello Ada');
    expect((await stack.anon.rpc('rf_greet', { name: 'Ada', greeting: 'shalom' })).data).toBe('shalom Ada');
  });

  it('answers 404 PGRST202 for an unknown function or unknown argument names', async () => {
    const unknown = await stack.anon.rpc('rf_nope', { x: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.error?.code).toBe('PGRST202');
    expect(unknown.error?.message).toBe('Could not find the function public.rf_nope(x) in the schema cache');
    expect((await stack.anon.rpc('rf_ad', { a: 1 })).error?.hint).toBe('Perhaps you meant to call the function public.rf_add');
    const wrongArgs = await stack.anon.rpc('rf_add', { c: 1 });
    expect(wrongArgs.error?.code).toBe('PGRST202');
  });

  it('passes the whole body to a function of one unnamed json argument: an object, an array, a string or a bool (rest 7)', async () => {
    expect((await stack.anon.rpc('rf_describe', { a: [1, 2] })).data).toBe('object: {"a":[1,2]}');
    expect((await stack.anon.rpc('rf_describe', [1, 2] as never)).data).toBe('array: [1,2]');
    expect((await stack.anon.rpc('rf_describe', 'hi' as never)).data).toBe('string: "hi"');
    expect((await stack.anon.rpc('rf_describe', true as never)).data).toBe('boolean: true');
  });

  it('passes a text/plain body to a function of one unnamed text argument, and the raw body for {"": …} (rest 7)', async () => {
    const plain = await raw('/rpc/rf_shout', { method: 'POST', body: 'shalom', headers: { 'content-type': 'text/plain' } });
    expect(await plain.json()).toBe('SHALOM');
    // PostgREST calls it positionally with the request body as it came (its OnePosParam): the JSON text itself.
    expect((await stack.anon.rpc('rf_shout', { '': 'hi' })).data).toBe('{"":"HI"}');
    const unnamedPair = await stack.anon.rpc('rf_not_callable', { '': 1 });
    expect(unnamedPair.error?.code).toBe('PGRST202');
  });

  it('answers 300 PGRST203 with the candidates when overloads cannot be told apart (rest 7)', async () => {
    const sameName = await stack.anon.rpc('rf_pick', { a: 1 });
    expect(sameName.status).toBe(300);
    expect(sameName.error).toMatchObject({
      code: 'PGRST203',
      message: 'Could not choose the best candidate function between: public.rf_pick(a => integer), public.rf_pick(a => text)',
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    });
    const byDefault = await stack.anon.rpc('rf_scale', { x: 2 });
    expect(byDefault.status).toBe(300);
    expect(byDefault.error?.code).toBe('PGRST203');
    expect((await stack.anon.rpc('rf_scale', { x: 2, factor: 3 })).data).toBe(6);
  });

  it('hints at the parameters of a known function called with other ones (rest 7)', async () => {
    const wrong = await stack.anon.rpc('rf_add', { c: 1 });
    expect(wrong.status).toBe(404);
    expect(wrong.error).toMatchObject({
      code: 'PGRST202',
      message: 'Could not find the function public.rf_add(c) in the schema cache',
      hint: 'Perhaps you meant to call the function public.rf_add(a, b)',
    });
  });

  it('maps raised errors: P0001 400 with detail and hint, PTnnn to its status', async () => {
    const failed = await stack.anon.rpc('rf_fail');
    expect(failed.status).toBe(400);
    expect(failed.error).toEqual({ code: 'P0001', details: 'some detail', hint: 'some hint', message: 'boom' });
    const teapot = await stack.anon.rpc('rf_teapot');
    expect(teapot.status).toBe(418);
    expect(teapot.error?.message).toBe('I am a teapot');
  });

  it('lets SQL set the response status and headers, and raise a whole PGRST error', async () => {
    const created = await raw('/rpc/rf_created', { method: 'POST', body: '{}' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/rf_books?id=eq.1');
    const raised = await stack.anon.rpc('rf_payment_required');
    expect(raised.status).toBe(402);
    expect(raised.error).toEqual({ code: '123', message: 'Payment Required', details: 'Quota exceeded', hint: 'Upgrade your plan' });
    const bad = await raw('/rpc/rf_bad_guc', { method: 'POST', body: '{}' });
    expect(bad.status).toBe(500);
    expect(((await bad.json()) as { code: string }).code).toBe('PGRST112');
  });

  it('refuses PUT on rpc with 405 PGRST101', async () => {
    const response = await raw('/rpc/rf_add', { method: 'PUT', body: '{"a":1}' });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ code: 'PGRST101', message: 'Cannot use the PUT method on RPC' });
  });

  it('runs POST read-write and GET read-only (405 for a write)', async () => {
    const written = await user.rpc('rf_write_log', { message: 'hi' });
    expect(written.error).toBeNull();
    expect(typeof written.data).toBe('number');
    const readOnly = await user.rpc('rf_write_log', { message: 'nope' }, { get: true });
    expect(readOnly.status).toBe(405);
    expect(readOnly.error?.code).toBe('25006');
  });
});

describe('rest hostile input', () => {
  const malformed = [
    '/rf_books?select=title,rf_authors(',
    '/rf_books?select=title)',
    '/rf_books?select=id::text;drop',
    '/rf_books?id=eq',
    '/rf_books?id=zz.1',
    '/rf_books?id=in.1,2',
    '/rf_books?id=is.maybe',
    '/rf_books?or=(id.eq.1',
    '/rf_books?or=id.eq.1',
    '/rf_books?or=(id)',
    '/rf_books?order=id.sideways',
    '/rf_books?offset=abc',
    '/rf_books?or=(title.eq."unterminated)',
    '/rf_books?select=a:b:c',
    '/rf_books?select=*,rf_authors!a!b!c(*)',
    '/rf_books?select=meta->',
    '/rf_books?select=%22a%00b%22:id',
  ];
  it.each(malformed)('answers 400 with a PGRST code for %s', async (path) => {
    const response = await raw(path);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toMatch(/^PGRST1\d\d$/);
  });

  it('treats an injected column name as an unknown column, and values as plain values', async () => {
    const column = await raw(`/rf_books?${encodeURIComponent('x; drop table rf_books')}=eq.1`);
    expect(column.status).toBe(400);
    expect(((await column.json()) as { code: string }).code).toBe('42703');
    const quoted = await raw(`/rf_books?select=${encodeURIComponent('"id""; drop table rf_books; --"')}`);
    expect(quoted.status).toBe(400);
    const value = await stack.anon.from('rf_books').select('id').eq('title', "'; drop table rf_books; --");
    expect(value.data).toEqual([]);
    const stillThere = await stack.anon.from('rf_books').select('id', { count: 'exact', head: true });
    expect(stillThere.count).toBe(6);
  });

  it('never answers 5xx to random selects, filters and orders', async () => {
    const piece = fc.constantFrom('id', 'title', 'pages', 'data', 'rf_authors', 'author_id', 'x;drop', '"q"', '*', ',', '(', ')', '!', ':', '::', '->', '->>', '.', 'eq.', 'in.(', 'or=(', 'not.', 'is.', 'null', '1', '"a,b"', 'text', 'inner', 'cs.{', '}', '%00');
    const text = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    const key = fc.oneof(fc.constantFrom('select', 'order', 'or', 'and', 'limit', 'offset', 'rf_authors.order', 'id', 'data->>a', 'rf_authors.name'), text);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, text), { minLength: 1, maxLength: 3 }), async (params) => {
        const query = params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
        const response = await raw(`/rf_books?${query}`);
        const body = await response.text();
        expect(response.status, `${query} -> ${body}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });

  it('answers 503 PGRST000 when the database cannot be reached', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://authenticator:postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    const handler = createRestHandler({ pool });
    const response = await handler({ method: 'GET', url: new URL('http://x/rest/v1/rf_books'), headers: {}, body: Buffer.alloc(0) }, { role: 'anon', claims: { role: 'anon' } });
    await pool.end();
    expect(response.status).toBe(503);
    expect(JSON.parse(String(response.body))).toMatchObject({ code: 'PGRST000' });
  });

  it('refuses a body over 10 MB with 413 and invalid JSON with 400 PGRST102', async () => {
    const huge = await raw('/rf_log', { method: 'POST', body: JSON.stringify({ message: 'x'.repeat(10 * 1024 * 1024 + 1) }) });
    expect(huge.status).toBe(413);
    const invalid = await raw('/rf_log', { method: 'POST', body: '{"message":' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { code: string }).code).toBe('PGRST102');
  });
});
