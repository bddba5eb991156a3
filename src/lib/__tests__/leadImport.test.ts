import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { readSheet } from 'read-excel-file/node';
import { describe, expect, it } from 'vitest';
import { chunk, guessMapping, ImportReader, mappingProblem, normalisePhone, type ImportRow } from '../leadImport';

const fixture = (name: string) => new URL(`../../../tests/fixtures/${name}`, import.meta.url);

function readCsv(name: string): ImportReader {
  const reader = new ImportReader('IL');
  for (const cells of Papa.parse<string[]>(readFileSync(fixture(name), 'utf8'), { skipEmptyLines: false }).data) reader.push(cells);
  return reader;
}

/** What every shipped fixture reads as: the same rows, whatever the header language or file type. */
const EXPECTED_ROWS: ImportRow[] = [
  { row: 2, name: 'דנה כהן', email: 'dana@example.com', tags: ['vip'], phone: '+972501234567' },
  { row: 3, name: 'Yossi Levi', phone: '+972501234568' },
  { row: 4, name: 'אבי מזרחי', email: 'avi@example.com', tags: ['vip', '2026'], phone: '+972501234569' },
  { row: 6, name: 'דנה כהן-לוי', tags: ['חדש'], phone: '+972501234567' },
  { row: 7, name: '=HYPERLINK("http://evil.example","click")', phone: '+972527654321' },
  { row: 8, name: 'בלי טלפון' },
  { row: 9, name: 'מספר שגוי', error: 'invalid_phone', value: '12345' },
  { row: 10, name: 'אימייל שגוי', error: 'invalid_email', value: 'not-an-email' },
];

describe('lead import parsing', () => {
  it('guesses columns from English and Hebrew headers', () => {
    expect(guessMapping(['Full Name', 'Mobile', 'E-mail', 'Tags', 'Opt-out'])).toEqual({ name: 0, phone: 1, email: 2, tags: 3, optedOut: 4 });
    expect(guessMapping(['שם פרטי', 'שם משפחה', 'טלפון נייד', 'דוא"ל', 'הסרה'])).toEqual({ firstName: 0, lastName: 1, phone: 2, email: 3, optedOut: 4 });
  });

  it.each([
    ['050-1234567', '+972501234567'],
    ['+972 50 123 4567', '+972501234567'],
    ['972501234567', '+972501234567'],
    ['0501234567', '+972501234567'],
    ['501234567', '+972501234567'],
    ['+1 212 555 0100', '+12125550100'],
    ['12345', null],
    ['not a phone', null],
  ])('reads %s as %s in region IL', (text, e164) => {
    expect(normalisePhone(text, 'IL')).toBe(e164);
  });

  it.each([
    ['(212) 555-0100', '+12125550100'],
    ['212.555.0100', '+12125550100'],
    ['+972 50 123 4567', '+972501234567'],
    ['050-1234567', null],
  ])('reads %s as %s for a client whose region is US', (text, e164) => {
    expect(normalisePhone(text, 'US')).toBe(e164);
  });

  it('an import reads numbers without a country code in the client\'s region', () => {
    const reader = new ImportReader('US');
    reader.push(['Name', 'Phone']);
    reader.push(['Ann', '(212) 555-0100']);
    reader.push(['Dana', '050-1234567']);
    expect(reader.result().rows).toEqual([
      { row: 2, name: 'Ann', phone: '+12125550100' },
      { row: 3, name: 'Dana', error: 'invalid_phone', value: '050-1234567' },
    ]);
  });

  it.each(['leads-en.csv', 'leads-he.csv'])('reads %s: rows by file row number, the blank one counted, a formula kept as text', (name) => {
    const reader = readCsv(name);
    expect(reader.mappingProblem).toBeNull();
    expect(reader.result()).toMatchObject({ rows: EXPECTED_ROWS, totalRows: 9, blankRows: 1 });
  });

  it('reads the XLSX fixture the same (numbers for phones included)', async () => {
    const reader = new ImportReader('IL');
    for (const cells of await readSheet(fixture('leads-he.xlsx').pathname)) reader.push(cells);
    expect(reader.result()).toMatchObject({ rows: EXPECTED_ROWS, totalRows: 9, blankRows: 1 });
  });

  it('joins first and last names, reads opted-out words and says what a header lacks', () => {
    const reader = new ImportReader('IL');
    reader.push(['שם פרטי', 'שם משפחה', 'טלפון', 'הסרה']);
    reader.push(['נועה', 'בר', '054-7654321', 'כן']);
    reader.push(['', '', '', '']);
    expect(reader.result()).toEqual({
      rows: [{ row: 2, name: 'נועה בר', phone: '+972547654321', opted_out: true }],
      totalRows: 1,
      blankRows: 0,
      mapping: { firstName: 0, lastName: 1, phone: 2, optedOut: 3 },
    });
    const headless = new ImportReader('IL');
    headless.push(['Name', 'Email']);
    expect(headless.mappingProblem).toBe('no_phone_column');
  });

  it('previews the header, the guessed columns and the first rows, and reads the rows through a mapping the admin changed', () => {
    const reader = new ImportReader('IL');
    reader.push(['Customer', 'Cell', 'Notes']);
    for (let n = 0; n < 7; n += 1) reader.push([`Lead ${n}`, `050-123456${n}`, n === 0 ? 'vip' : '']);
    reader.push(['', '', '']);
    expect(reader.mappingProblem).toBe('no_name_column');
    const preview = reader.preview();
    expect(preview).toEqual({
      headers: ['Customer', 'Cell', 'Notes'],
      mapping: { phone: 1 },
      sample: [0, 1, 2, 3, 4].map((n) => [`Lead ${n}`, `050-123456${n}`, n === 0 ? 'vip' : '']),
      totalRows: 7,
      blankRows: 0,
    });
    expect(mappingProblem(preview.mapping)).toBe('no_name_column');
    expect(mappingProblem({ name: 0 })).toBe('no_phone_column');
    const mapped = reader.result({ name: 0, phone: 1, tags: 2 });
    expect(mapped.rows[0]).toEqual({ row: 2, name: 'Lead 0', phone: '+972501234560', tags: ['vip'] });
    expect(mapped.rows).toHaveLength(7);
    expect(new ImportReader('IL').mappingProblem).toBe('no_header');
  });

  it('chunks rows in order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
