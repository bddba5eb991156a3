import { describe, expect, it } from 'vitest';
import { FilterError, filterSql, parseFilter } from '../filters.ts';

describe('parseFilter', () => {
  it('reads the operators realtime-js writes, ANDed by commas', () => {
    expect(parseFilter('status=eq.pending,priority=gte.2')).toEqual([
      { column: 'status', operator: 'eq', negate: false, value: 'pending' },
      { column: 'priority', operator: 'gte', negate: false, value: '2' },
    ]);
  });

  it('keeps quoted commas and parentheses inside in-lists', () => {
    expect(parseFilter('body=in.(a,"b,c","d\\"e")')).toEqual([{ column: 'body', operator: 'in', negate: false, value: ['a', 'b,c', 'd"e'] }]);
  });

  it('reads negation and is', () => {
    expect(parseFilter('deleted_at=not.is.null')).toEqual([{ column: 'deleted_at', operator: 'is', negate: true, value: 'null' }]);
  });

  it('treats an empty filter as no condition', () => {
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter('')).toEqual([]);
  });

  it.each(['id', 'id=between.1', 'id=in.1,2', 'ok=is.maybe', '=eq.1'])('rejects %s', (filter) => {
    expect(() => parseFilter(filter)).toThrow(FilterError);
  });
});

describe('filterSql', () => {
  it('puts every value in a parameter and quotes identifiers', () => {
    const params: unknown[] = ['existing'];
    const sql = filterSql(parseFilter('CamelCol=eq.1,tag=in.(x,y),name=not.ilike.a%'), 'c', params);
    expect(sql).toBe('coalesce((c."CamelCol" = $2) and (c."tag" = any($3)) and not (c."name"::text ilike $4), false)');
    expect(params).toEqual(['existing', '1', ['x', 'y'], 'a%']);
  });

  it('writes is-tests as SQL keywords, never from the raw value', () => {
    const params: unknown[] = [];
    expect(filterSql(parseFilter('done=is.TRUE'), 'c', params)).toBe('coalesce((c."done" is true), false)');
    expect(params).toEqual([]);
  });
});
