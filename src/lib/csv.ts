/** CSV for spreadsheets: UTF-8 with a BOM (Excel reads Hebrew right), CRLF rows, formula-looking cells defused. */
export const CSV_BOM = '\uFEFF';

// OWASP CSV injection: a cell a spreadsheet would run as a formula gets a leading apostrophe.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
