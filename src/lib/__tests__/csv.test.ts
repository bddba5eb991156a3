import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../csv';

describe('csv', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+972501234567', "'+972501234567"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['דנה "כהן"', '"דנה ""כהן"""'],
  ])('escapes %j as %j (OWASP CSV injection, RFC 4180 quoting)', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes empty cells for null and numbers as they are, rows ending in CRLF', () => {
    expect(csvRow(['a', null, 3, undefined])).toBe('a,,3,\r\n');
  });
});
