import type { SupabaseClient } from '@supabase/supabase-js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANON_KEY, SERVICE_ROLE_KEY } from '../index.ts';
import { userToken } from '../testing/tokens.ts';
import { withTestStack } from '../testing/vitest.ts';
import { restFetch, type RestInit } from './support/rest.ts';

const ALICE = 'b0000000-0000-4000-8000-00000000000a';
const BOB = 'b0000000-0000-4000-8000-00000000000b';

const stack = withTestStack({ realtime: false });
let alice: SupabaseClient;
let bob: SupabaseClient;

beforeAll(async () => {
  alice = stack.client(ANON_KEY, { accessToken: await userToken(ALICE) });
  bob = stack.client(ANON_KEY, { accessToken: await userToken(BOB) });
});

const raw = (path: string, init?: RestInit): Promise<Response> => restFetch(stack.url, path, init);

describe('rest insert', () => {
  it('inserts one object: 201 with an empty body by default, the row with select()', async () => {
    const minimal = await alice.from('rf_authors').insert({ id: 10, name: 'Octavia' });
    expect(minimal).toMatchObject({ status: 201, data: null, error: null });
    const { data, status, error } = await alice.from('rf_authors').insert({ id: 11, name: 'Iain', country: 'GB' }).select('id, name, tags').single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual({ id: 11, name: 'Iain', tags: [] });
  });

  it('inserts an array with ?columns=, filling defaults only with missing=default', async () => {
    const withNulls = await alice
      .from('rf_books')
      .insert([{ title: 'Kindred', pages: 264 }, { title: 'Dawn' }])
      .select('title, pages, status');
    expect(withNulls.error).toBeNull();
    expect(withNulls.data).toEqual([
      { title: 'Kindred', pages: 264, status: 'draft' },
      { title: 'Dawn', pages: null, status: 'draft' },
    ]);
    const defaults = await alice
      .from('rf_authors')
      .insert([{ id: 12, name: 'Ted', country: 'US' }, { id: 13, name: 'Nnedi' }], { defaultToNull: false })
      .select('id, country, meta');
    expect(defaults.error).toBeNull();
    expect(defaults.data).toEqual([
      { id: 12, country: 'US', meta: {} },
      { id: 13, country: null, meta: {} },
    ]);
    // Without missing=default a key missing from one object becomes NULL, which the NOT NULL column refuses.
    const nulls = await alice.from('rf_authors').insert([{ id: 14, name: 'A', meta: { x: 1 } }, { id: 15, name: 'B' }]);
    expect(nulls.status).toBe(400);
    expect(nulls.error?.code).toBe('23502');
  });

  it('answers 409 on a unique violation and 409 on a foreign key violation', async () => {
    const duplicate = await alice.from('rf_authors').insert({ id: 1, name: 'again' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.error?.code).toBe('23505');
    const orphan = await alice.from('rf_books').insert({ title: 'Orphan', author_id: 999 });
    expect(orphan.status).toBe(409);
    expect(orphan.error?.code).toBe('23503');
  });

  it('refuses an unknown body column with 400 PGRST204', async () => {
    const { status, error } = await alice.from('rf_authors').insert({ id: 20, name: 'x', 'x; drop table leads': 1 });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'PGRST204', message: "Could not find the 'x; drop table leads' column of 'rf_authors' in the schema cache" });
  });

  it('upserts with merge-duplicates and ignore-duplicates on a chosen conflict target', async () => {
    const merged = await alice.from('rf_authors').upsert({ id: 2, name: 'Stanisław' }).select('id, name, country');
    expect(merged.data).toEqual([{ id: 2, name: 'Stanisław', country: 'PL' }]);
    const ignored = await alice
      .from('rf_books')
      .upsert([{ title: 'Solaris', pages: 1 }, { title: 'Fiasco', pages: 322 }], { onConflict: 'title', ignoreDuplicates: true })
      .select('title, pages');
    expect(ignored.data).toEqual([{ title: 'Fiasco', pages: 322 }]);
    const byTitle = await alice.from('rf_books').upsert({ title: 'Solaris', pages: 205 }, { onConflict: 'title' }).select('pages').single();
    expect(byTitle.data).toEqual({ pages: 205 });
  });

  it('answers 200 for an upsert that only updated, 201 once a row is inserted (rest 6)', async () => {
    const updated = await alice.from('rf_authors').upsert({ id: 3, name: 'Tove Jansson' });
    expect(updated.status).toBe(200);
    const represented = await alice.from('rf_authors').upsert({ id: 3, name: 'Tove' }).select('id, name');
    expect(represented).toMatchObject({ status: 200, data: [{ id: 3, name: 'Tove' }] });
    const mixed = await alice.from('rf_authors').upsert([{ id: 3, name: 'Tove' }, { id: 30, name: 'Italo' }]).select('id');
    expect(mixed).toMatchObject({ status: 201, data: [{ id: 3 }, { id: 30 }] });
    // PostgREST answers 200 only for merge-duplicates: an ignore-duplicates upsert that inserts nothing is still 201.
    const ignored = await alice.from('rf_authors').upsert({ id: 30, name: 'Calvino' }, { ignoreDuplicates: true });
    expect(ignored.status).toBe(201);
  });

  it('writes the default of an omitted column on an upsert with missing=default, and keeps it with missing=null columns (rest 6)', async () => {
    const kept = await alice.from('rf_books').upsert([{ title: 'The Left Hand of Darkness', pages: 310 }], { onConflict: 'title' }).select('pages, status');
    expect(kept).toMatchObject({ status: 200, data: [{ pages: 310, status: 'published' }] });
    const defaulted = await alice
      .from('rf_books')
      .upsert([{ title: 'The Left Hand of Darkness', pages: 311 }, { title: 'Lathe of Heaven', pages: 184, author_id: 1, status: 'published' }], { onConflict: 'title', defaultToNull: false })
      .select('title, pages, status, author_id')
      .order('title');
    expect(defaulted.status).toBe(201);
    // Every column of the request is written: author_id, omitted in the first row, takes its default (null) too.
    expect(defaulted.data).toEqual([
      { title: 'Lathe of Heaven', pages: 184, status: 'published', author_id: 1 },
      { title: 'The Left Hand of Darkness', pages: 311, status: 'draft', author_id: null },
    ]);
    await stack.pool.query(`update public.rf_books set status = 'published', pages = 304, author_id = 1 where title = 'The Left Hand of Darkness';
      delete from public.rf_books where title = 'Lathe of Heaven'`);
  });

  it('answers 201 with an empty array for an empty insert', async () => {
    const { data, status } = await alice.from('rf_authors').insert([]).select();
    expect(status).toBe(201);
    expect(data).toEqual([]);
  });
});

describe('rest representation', () => {
  it('embeds related rows in the returned representation', async () => {
    const { data, error } = await alice
      .from('rf_books')
      .insert({ title: 'The Lathe of Heaven', author_id: 1, pages: 184 })
      .select('title, author:rf_authors!author_id(name)')
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({ title: 'The Lathe of Heaven', author: { name: 'Ursula' } });
  });

  it('says what it applied in Preference-Applied and counts inserted rows', async () => {
    const response = await raw('/rf_log?columns=message', {
      method: 'POST',
      token: await userToken(ALICE),
      headers: { prefer: 'return=minimal, count=exact' },
      body: JSON.stringify([{ message: 'a' }, { message: 'b' }]),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('preference-applied')).toBe('return=minimal, count=exact');
    expect(response.headers.get('content-range')).toBe('*/2');
    expect(await response.text()).toBe('');
  });

  it('rolls back on Prefer: tx=rollback', async () => {
    const response = await raw('/rf_log', { method: 'POST', headers: { prefer: 'tx=rollback' }, body: JSON.stringify({ message: 'never' }) });
    expect(response.status).toBe(201);
    expect((await stack.service.from('rf_log').select('id').eq('message', 'never')).data).toEqual([]);
  });
});

describe('rest put', () => {
  it('creates then replaces the row its primary key names, and refuses mismatches', async () => {
    const token = await userToken(ALICE);
    const created = await raw('/rf_authors?id=eq.30', { method: 'PUT', token, body: JSON.stringify({ id: 30, name: 'Put', country: 'IL' }) });
    expect(created.status).toBe(204);
    const replaced = await raw('/rf_authors?id=eq.30&select=id,name,country', {
      method: 'PUT',
      token,
      headers: { prefer: 'return=representation' },
      body: JSON.stringify({ id: 30, name: 'Put again', country: null }),
    });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toEqual([{ id: 30, name: 'Put again', country: null }]);
    const mismatch = await raw('/rf_authors?id=eq.31', { method: 'PUT', token, body: JSON.stringify({ id: 32, name: 'x' }) });
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { code: string }).code).toBe('PGRST115');
    const unkeyed = await raw('/rf_authors?name=eq.x', { method: 'PUT', token, body: JSON.stringify({ id: 33, name: 'x' }) });
    expect(unkeyed.status).toBe(405);
    expect(((await unkeyed.json()) as { code: string }).code).toBe('PGRST105');
  });
});

describe('rest update and delete', () => {
  it('updates the filtered rows: 204 minimal, 200 with the rows', async () => {
    const minimal = await alice.from('rf_books').update({ status: 'review' }).eq('status', 'draft').is('pages', null).eq('title', 'Untitled, (draft)');
    expect(minimal.status).toBe(204);
    const { data, status } = await alice.from('rf_books').update({ status: 'published', data: { edited: true } }).eq('title', 'Untitled, (draft)').select('title, status, data');
    expect(status).toBe(200);
    expect(data).toEqual([{ title: 'Untitled, (draft)', status: 'published', data: { edited: true } }]);
  });

  it('refuses PATCH and DELETE without a filter (pg-safeupdate) with 400 21000', async () => {
    const update = await alice.from('rf_books').update({ status: 'x' });
    expect(update.status).toBe(400);
    expect(update.error).toMatchObject({ code: '21000', message: 'UPDATE requires a WHERE clause' });
    const removal = await raw('/rf_books', { method: 'DELETE', token: await userToken(ALICE) });
    expect(removal.status).toBe(400);
    expect(await removal.json()).toMatchObject({ code: '21000', message: 'DELETE requires a WHERE clause' });
  });

  it('deletes the filtered rows and reports them', async () => {
    await alice.from('rf_books').insert([{ title: 'Gone 1', status: 'gone' }, { title: 'Gone 2', status: 'gone' }]);
    const { data, status, count } = await alice.from('rf_books').delete({ count: 'exact' }).eq('status', 'gone').select('title').order('title');
    expect(status).toBe(200);
    expect(count).toBe(2);
    expect(data).toEqual([{ title: 'Gone 1' }, { title: 'Gone 2' }]);
    const minimal = await alice.from('rf_books').delete().eq('status', 'gone');
    expect(minimal.status).toBe(204);
  });

  it('honours handling=strict: unknown preferences 400 PGRST122, max-affected 400 PGRST124 and rolled back', async () => {
    const token = await userToken(ALICE);
    const unknown = await raw('/rf_books?id=eq.1', { method: 'PATCH', token, headers: { prefer: 'handling=strict, bogus=1' }, body: '{"pages":1}' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'PGRST122', details: 'Invalid preferences: bogus=1' });
    const tooMany = await raw('/rf_books?status=eq.published', { method: 'PATCH', token, headers: { prefer: 'handling=strict, max-affected=1' }, body: '{"pages":1}' });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { code: string }).code).toBe('PGRST124');
    expect((await alice.from('rf_books').select('pages').eq('id', 1).single()).data).toEqual({ pages: 387 });
  });

  it('limits a PATCH to the first rows in the requested order', async () => {
    await alice.from('rf_log').insert([{ message: 'l1' }, { message: 'l2' }, { message: 'l3' }]);
    const { data, error } = await alice.from('rf_log').update({ message: 'limited' }).like('message', 'l_').order('id', { ascending: false }).limit(2).select('id');
    expect(error).toBeNull();
    expect(data).toHaveLength(2);
    const left = await alice.from('rf_log').select('message').like('message', 'l_');
    expect(left.data).toEqual([{ message: 'l1' }]);
  });

  it('rolls a singular mutation back when it touches more than one row', async () => {
    const many = await alice.from('rf_books').update({ pages: 1 }).eq('status', 'published').select('id').single();
    expect(many.status).toBe(406);
    expect(many.error?.code).toBe('PGRST116');
    const untouched = await alice.from('rf_books').select('pages').eq('title', 'The Dispossessed').single();
    expect(untouched.data).toEqual({ pages: 387 });
  });
});

describe('rest row level security', () => {
  it('lets each user see and change only their own notes', async () => {
    const created = await alice.from('rf_notes').insert({ body: 'alice note' }).select('owner, body').single();
    expect(created.data).toEqual({ owner: ALICE, body: 'alice note' });
    await bob.from('rf_notes').insert({ body: 'bob note' });
    const mine = await alice.from('rf_notes').select('body');
    expect(mine.data).toEqual([{ body: 'alice note' }]);
    const stolen = await bob.from('rf_notes').update({ body: 'hacked' }).eq('body', 'alice note').select();
    expect(stolen.data).toEqual([]);
    const everything = await stack.service.from('rf_notes').select('body', { count: 'exact', head: true });
    expect(everything.count).toBe(2);
    expect((await stack.anon.from('rf_notes').select('*')).data).toEqual([]);
  });

  it('answers 401 to anon and 403 to a signed-in user on a permission error', async () => {
    const anonInsert = await stack.anon.from('rf_notes').insert({ body: 'anon', owner: ALICE });
    expect(anonInsert.status).toBe(401);
    expect(anonInsert.error?.code).toBe('42501');
    const forged = await bob.from('rf_notes').insert({ body: 'as alice', owner: ALICE });
    expect(forged.status).toBe(403);
    expect(forged.error?.code).toBe('42501');
    const response = await raw('/rf_secrets?select=*');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const secret = await alice.from('rf_secrets').select('*');
    expect(secret.status).toBe(403);
  });

  it('runs reads read-only as the caller role with the claims set', async () => {
    const { data } = await alice.rpc('rf_whoami', {}, { get: true });
    expect(data).toEqual({
      role: 'authenticated',
      sub: ALICE,
      method: 'GET',
      path: '/rpc/rf_whoami',
      readonly: 'on',
      search_path: 'public, extensions',
      timeout: '8s',
      agent: null,
    });
    const response = await raw('/rpc/rf_whoami', { headers: { 'x-test-agent': 'probe' } });
    expect(await response.json()).toMatchObject({ role: 'anon', sub: null, timeout: '3s', agent: 'probe' });
    // POST to a stable (or immutable) function is read only too, as PostgREST's txMode; read write for a volatile one.
    const post = await alice.rpc('rf_whoami');
    expect(post.data).toMatchObject({ method: 'POST', readonly: 'on' });
    expect((await alice.rpc('rf_tx_read_only')).data).toBe('off');
    expect((await alice.rpc('rf_tx_read_only', {}, { get: true })).data).toBe('on');
  });

  it('refuses a write under a stable function called by POST (405, 25006) and keeps nothing of it', async () => {
    const message = `stable write ${Date.now()}`;
    const refused = await alice.rpc('rf_stable_log', { message });
    expect(refused.status).toBe(405);
    expect(refused.error).toMatchObject({ code: '25006', message: 'cannot execute INSERT in a read-only transaction' });
    const volatile = await alice.rpc('rf_write_log', { message });
    expect(volatile.status).toBe(200);
    const { rows } = await stack.pool.query<{ n: string }>('select count(*) as n from public.rf_log where message = $1', [message]);
    expect(Number(rows[0]?.n)).toBe(1);
  });
});

describe('rest write fuzz', () => {
  it('never answers 5xx to random bodies, paths and preferences (all rolled back)', async () => {
    const json = fc.jsonValue({ maxDepth: 2 });
    const key = fc.constantFrom('id', 'title', 'pages', 'data', 'status', 'author_id', 'tags', 'meta', 'name', 'x;y', '"', '');
    const object = fc.dictionary(key, json, { maxKeys: 4 });
    const body = fc.oneof(object, fc.array(object, { maxLength: 3 }), json);
    const path = fc.constantFrom('/rf_books', '/rf_authors', '/rpc/rf_add', '/rpc/rf_books_by', '/rpc/rf_sum', '/rpc/rf_echo', '/rf_books?id=eq.1', '/rf_books?columns=title,pages', '/rf_books?on_conflict=title');
    const method = fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE');
    const prefer = fc.constantFrom('', 'return=representation', 'resolution=merge-duplicates', 'missing=default,return=representation', 'count=exact');
    await fc.assert(
      fc.asyncProperty(method, path, body, prefer, fc.boolean(), async (verb, target, payload, preference, single) => {
        const headers: Record<string, string> = { authorization: `Bearer ${SERVICE_ROLE_KEY}`, prefer: `tx=rollback,${preference}` };
        if (single) headers.accept = 'application/vnd.pgrst.object+json';
        const response = await raw(target, { method: verb, headers, body: JSON.stringify(payload) });
        const text = await response.text();
        expect(response.status, `${verb} ${target} ${JSON.stringify(payload)} -> ${text}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});

