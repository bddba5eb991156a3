/** Writes tests/fixtures/leads-he.xlsx from leads-he.csv (the same rows; a digits-only phone as a number cell, as Excel keeps it). */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import writeXlsxFile from 'write-excel-file/node';

const csv = readFileSync(new URL('../tests/fixtures/leads-he.csv', import.meta.url), 'utf8');
const rows = Papa.parse<string[]>(csv, { skipEmptyLines: false }).data.filter((row) => row.length > 1);
const sheet = rows.map((row) => row.map((value) => (/^\d{9,15}$/.test(value) ? { value: Number(value), type: Number } : value === '' ? null : { value })));
await writeXlsxFile(sheet, { sheet: 'לידים' }).toFile(new URL('../tests/fixtures/leads-he.xlsx', import.meta.url).pathname);
