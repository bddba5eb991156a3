import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PgrstError } from '../errors.ts';
import { parsePrefer, parseRequest, splitTopLevel, type RawRequest } from '../parse.ts';
import { parseSelect } from '../parseSelect.ts';

function parse(query: string, headers: Record<string, string> = {}, method = 'GET', path = '/leads') {
  const raw: RawRequest = { method, path, params: [...new URLSearchParams(query)], headers };
  return parseRequest(raw);
}

function pgrstCode(work: () => unknown): string | null {
  try {
    work();
    return null;
  } catch (error) {
    if (error instanceof PgrstError) return error.code;
    throw error;
  }
}

describe('parseSelect', () => {
  it('reads columns, aliases, json paths and casts', () => {
    expect(parseSelect('id,who:name,meta->a->>b,n:meta->0,price::text')).toEqual([
      { type: 'column', field: { name: 'id', path: [] } },
      { type: 'column', field: { name: 'name', path: [] }, alias: 'who' },
      { type: 'column', field: { name: 'meta', path: [{ op: '->', key: 'a' }, { op: '->>', key: 'b' }] } },
      { type: 'column', field: { name: 'meta', path: [{ op: '->', key: 0 }] }, alias: 'n' },
      { type: 'column', field: { name: 'price', path: [] }, cast: 'text' },
    ]);
  });

  it('reads embeds with alias, hint, !inner, spread and nested lists', () => {
    expect(parseSelect('*,owner:users!owner_id!inner(id,teams(*)),...clients(client_name:name)')).toEqual([
      { type: 'star' },
      {
        type: 'embed',
        target: 'users',
        alias: 'owner',
        hint: 'owner_id',
        inner: true,
        spread: false,
        select: [
          { type: 'column', field: { name: 'id', path: [] } },
          { type: 'embed', target: 'teams', inner: false, spread: false, select: [{ type: 'star' }] },
        ],
      },
      { type: 'embed', target: 'clients', inner: false, spread: true, select: [{ type: 'column', field: { name: 'name', path: [] }, alias: 'client_name' }] },
    ]);
  });

  it('reads aggregates: a column or a json path, an input cast, count() alone, an alias and a cast of the result', () => {
    expect(parseSelect('amount.sum(),total:amount::int.avg()::int,data->>tax::numeric.max(),n:count(),status')).toEqual([
      { type: 'column', field: { name: 'amount', path: [] }, aggregate: { fn: 'sum' } },
      { type: 'column', field: { name: 'amount', path: [] }, alias: 'total', cast: 'int', aggregate: { fn: 'avg', cast: 'int' } },
      { type: 'column', field: { name: 'data', path: [{ op: '->>', key: 'tax' }] }, cast: 'numeric', aggregate: { fn: 'max' } },
      { type: 'column', field: { name: '*', path: [] }, alias: 'n', aggregate: { fn: 'count' } },
      { type: 'column', field: { name: 'status', path: [] } },
    ]);
    expect(parseSelect('...orders(amount.sum())')).toEqual([
      { type: 'embed', target: 'orders', inner: false, spread: true, select: [{ type: 'column', field: { name: 'amount', path: [] }, aggregate: { fn: 'sum' } }] },
    ]);
  });

  it.each(['amount::int.median()', 'amount::int.sum', 'a->b.count(x)'])('refuses the aggregate %s with PGRST100', (text) => {
    expect(pgrstCode(() => parseSelect(text))).toBe('PGRST100');
  });

  it('keeps quoted names whole', () => {
    expect(parseSelect('"a,b":"weird name"')).toEqual([{ type: 'column', field: { name: 'weird name', path: [] }, alias: 'a,b' }]);
  });

  it.each(['a,', '(a)', 'a(b', 'a)', 'x::int;drop', 'a!', 'a:b:c', 'meta->', 'a::'])('refuses %s with PGRST100', (text) => {
    expect(pgrstCode(() => parseSelect(text))).toBe('PGRST100');
  });
});

describe('parseRequest filters', () => {
  it('reads operators, negation, lists and like wildcards', () => {
    const request = parse('status=eq.queued&name=not.ilike.*ann*&id=in.(1,"a,b",3)&opted_out_at=is.null&tags=cs.{a,b}');
    expect(request.modifiers.get('')?.filters).toEqual([
      { type: 'cond', field: { name: 'status', path: [] }, negate: false, op: 'eq', value: 'queued' },
      { type: 'cond', field: { name: 'name', path: [] }, negate: true, op: 'ilike', value: '%ann%' },
      { type: 'cond', field: { name: 'id', path: [] }, negate: false, op: 'in', value: ['1', 'a,b', '3'] },
      { type: 'cond', field: { name: 'opted_out_at', path: [] }, negate: false, op: 'is', value: 'null' },
      { type: 'cond', field: { name: 'tags', path: [] }, negate: false, op: 'cs', value: '{a,b}' },
    ]);
  });

  it('keeps a simple filter value literal, dots and quotes included', () => {
    const request = parse('phone=eq.%2B972.50"1"');
    expect(request.modifiers.get('')?.filters[0]).toMatchObject({ op: 'eq', value: '+972.50"1"' });
  });

  it('reads nested or/and trees with quoted values', () => {
    const request = parse('or=(a.eq.1,and(b.gt.2,b.not.lt.5),c.eq."x,y",not.or(d.is.true,e.in.(1,2)))');
    const [tree] = request.modifiers.get('')?.filters ?? [];
    expect(tree).toEqual({
      type: 'logic',
      op: 'or',
      negate: false,
      children: [
        { type: 'cond', field: { name: 'a', path: [] }, negate: false, op: 'eq', value: '1' },
        {
          type: 'logic',
          op: 'and',
          negate: false,
          children: [
            { type: 'cond', field: { name: 'b', path: [] }, negate: false, op: 'gt', value: '2' },
            { type: 'cond', field: { name: 'b', path: [] }, negate: true, op: 'lt', value: '5' },
          ],
        },
        { type: 'cond', field: { name: 'c', path: [] }, negate: false, op: 'eq', value: 'x,y' },
        {
          type: 'logic',
          op: 'or',
          negate: true,
          children: [
            { type: 'cond', field: { name: 'd', path: [] }, negate: false, op: 'is', value: 'true' },
            { type: 'cond', field: { name: 'e', path: [] }, negate: false, op: 'in', value: ['1', '2'] },
          ],
        },
      ],
    });
  });

  it('files embedded filters, order and limit under the embed path', () => {
    const request = parse('clients.name=eq.Demo&clients.order=name.desc.nullslast,id&clients.limit=2&clients.owner.or=(a.eq.1)&order=created_at.asc&limit=5&offset=10');
    expect(request.modifiers.get('clients')).toEqual({
      filters: [{ type: 'cond', field: { name: 'name', path: [] }, negate: false, op: 'eq', value: 'Demo' }],
      order: [{ field: { name: 'name', path: [] }, direction: 'desc', nulls: 'last' }, { field: { name: 'id', path: [] } }],
      limit: 2,
    });
    expect(request.modifiers.get('clients.owner')?.filters[0]).toMatchObject({ type: 'logic', op: 'or' });
    expect(request.modifiers.get('')).toMatchObject({ order: [{ field: { name: 'created_at', path: [] }, direction: 'asc' }], limit: 5, offset: 10 });
  });

  it('refuses logic trees nested deeper than 32 levels', () => {
    const deep = `or=(${'and('.repeat(40)}a.eq.1${')'.repeat(40)})`;
    expect(pgrstCode(() => parse(deep))).toBe('PGRST100');
    const fine = `or=(${'and('.repeat(10)}a.eq.1${')'.repeat(10)})`;
    expect(pgrstCode(() => parse(fine))).toBeNull();
  });

  it('reads quantifiers and full-text search configs', () => {
    const request = parse('name=like(any).{a*,b*}&doc=fts(english).cat');
    expect(request.modifiers.get('')?.filters).toEqual([
      { type: 'cond', field: { name: 'name', path: [] }, negate: false, op: 'like', value: '{a%,b%}', quantifier: 'any' },
      { type: 'cond', field: { name: 'doc', path: [] }, negate: false, op: 'fts', value: 'cat', ftsConfig: 'english' },
    ]);
  });

  it.each(['id=eq', 'id=zz.1', 'id=in.1,2', 'id=is.maybe', 'or=(a.eq.1', 'or=a.eq.1', 'or=(a)', 'order=a.up', 'offset=x', 'a..b=eq.1', 'id=eq(some).{1}', 'or=()'])(
    'refuses %s with PGRST100',
    (query) => {
      expect(pgrstCode(() => parse(query))).toBe('PGRST100');
    },
  );
});

describe('parseRequest headers and targets', () => {
  it('reads Prefer, singular Accept and profiles', () => {
    const request = parse('', { prefer: 'return=representation, count=exact,resolution=merge-duplicates,missing=default,bogus=1', accept: 'application/vnd.pgrst.object+json', 'accept-profile': 'api' });
    expect(request.prefer).toEqual({
      return: 'representation',
      count: 'exact',
      resolution: 'merge-duplicates',
      missing: 'default',
      applied: ['return=representation', 'count=exact', 'resolution=merge-duplicates', 'missing=default'],
    });
    expect(request.singular).toBe(true);
    expect(request.profile).toBe('api');
    expect(parse('', { 'content-profile': 'x' }, 'POST').profile).toBe('x');
  });

  it('reads the plan media type: format, the media type it explains, and EXPLAIN options', () => {
    const plan = parse('', { accept: 'application/vnd.pgrst.plan+json; for="application/vnd.pgrst.object+json"; options=analyze|buffers;' });
    expect(plan.plan).toEqual({ format: 'json', for: 'application/vnd.pgrst.object+json', options: ['analyze', 'buffers'] });
    expect(plan.singular).toBe(true);
    expect(parse('', { accept: 'application/vnd.pgrst.plan' }).plan).toEqual({ format: 'text', for: 'application/json', options: [] });
    expect(pgrstCode(() => parse('', { accept: 'application/vnd.pgrst.plan; options=drop' }))).toBe('PGRST107');
  });

  it('reads columns and on_conflict lists', () => {
    const request = parse('columns="name","phone"&on_conflict=client_id,phone', {}, 'POST');
    expect(request.columns).toEqual(['name', 'phone']);
    expect(request.onConflict).toEqual(['client_id', 'phone']);
  });

  it('routes tables and rpc, refusing other paths with PGRST125', () => {
    expect(parse('', {}, 'GET', '/rpc/queue_status').target).toEqual({ kind: 'rpc', name: 'queue_status' });
    expect(pgrstCode(() => parse('', {}, 'GET', '/a/b/c'))).toBe('PGRST125');
    expect(pgrstCode(() => parse('', { accept: 'text/html' }))).toBe('PGRST107');
  });

  it('splits only at top level', () => {
    expect(splitTopLevel('a,(b,c),"d,e",{f,g}', ',')).toEqual(['a', '(b,c)', '"d,e"', '{f,g}']);
    expect(parsePrefer(undefined)).toEqual({ applied: [] });
  });
});

describe('parse fuzz', () => {
  const alphabet = fc.constantFrom(...'abc.,()!:*"\\->{}[]=; 0123456789_eqinotrsl%'.split(''), 'eq.', 'or=(', 'not.', '->>', '::', 'in.(', 'and(');
  const text = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(''));

  it('throws nothing but PgrstError for any query string or select list', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('select', 'order', 'or', 'limit', 'x.or', 'columns')), text), { maxLength: 6 }), text, (params, select) => {
        for (const work of [() => parseRequest({ method: 'GET', path: '/t', params, headers: { prefer: select } }), () => parseSelect(select)]) {
          try {
            work();
          } catch (error) {
            if (!(error instanceof PgrstError)) throw error;
            expect(error.status).toBeGreaterThanOrEqual(400);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('throws nothing but PgrstError for arbitrary unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ maxLength: 60 }), (key, value) => {
        try {
          parseRequest({ method: 'PATCH', path: `/${key}`, params: [[key, value], ['select', value]], headers: { accept: value } });
        } catch (error) {
          if (!(error instanceof PgrstError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
