import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/** One data row as import_leads takes it: `row` is the file's row number (the header is row 1). */
export interface ImportRow {
  row: number;
  name?: string;
  phone?: string;
  email?: string;
  tags?: string[];
  opted_out?: boolean;
  /** A problem found here; the server reports the row with it and writes nothing. */
  error?: 'invalid_phone' | 'invalid_email';
  value?: string;
}

export type ImportField = 'name' | 'firstName' | 'lastName' | 'phone' | 'email' | 'tags' | 'optedOut';
export type ColumnMapping = Partial<Record<ImportField, number>>;

// Header words per field, English and Hebrew, compared without case, spaces, dashes, dots or quotes.
const HEADER_WORDS: Record<ImportField, string[]> = {
  name: ['name', 'fullname', 'lead', 'leadname', 'contact', 'contactname', 'שם', 'שםמלא', 'שםהליד', 'איששקשר'],
  firstName: ['firstname', 'givenname', 'שםפרטי'],
  lastName: ['lastname', 'surname', 'familyname', 'שםמשפחה'],
  phone: ['phone', 'phonenumber', 'mobile', 'mobilephone', 'cell', 'cellphone', 'tel', 'telephone', 'whatsapp', 'טלפון', 'מספרטלפון', 'נייד', 'טלפוןנייד', 'פלאפון', 'סלולרי', 'וואטסאפ'],
  email: ['email', 'emailaddress', 'mail', 'אימייל', 'מייל', 'דואל', 'דואראלקטרוני', 'כתובתמייל'],
  tags: ['tags', 'tag', 'labels', 'label', 'תגיות', 'תגית', 'תוויות'],
  optedOut: ['optedout', 'optout', 'unsubscribed', 'donotcontact', 'הסרה', 'הוסר', 'הסירהסכמה', 'לאלפנות'],
};
const YES = new Set(['yes', 'y', 'true', '1', 'x', 'כן', 'v', '✓']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const squash = (header: string) => header.toLowerCase().replace(/[\s_\-.'"״׳]/g, '');

/** Which column holds what, guessed from the header row; the first column matching a field wins. */
export function guessMapping(headers: readonly unknown[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  headers.forEach((header, index) => {
    const key = squash(cellText(header));
    for (const field of Object.keys(HEADER_WORDS) as ImportField[]) {
      if (mapping[field] === undefined && HEADER_WORDS[field].includes(key)) mapping[field] = index;
    }
  });
  return mapping;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value).trim();
}

/** A phone as E.164: as written, in the client's region, or digits that already start with a country code. */
export function normalisePhone(text: string, region: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(text, region);
  if (parsed?.isValid()) return parsed.number;
  const digits = text.replace(/\D/g, '');
  const international = digits.length >= 8 ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  return international?.isValid() ? international.number : null;
}

export interface ParsedImport {
  rows: ImportRow[];
  /** Data rows in the file (blank ones in between included, trailing blank lines not). */
  totalRows: number;
  blankRows: number;
  mapping: ColumnMapping;
}

/** What the admin checks before the write: the header, the guessed columns and the first rows as written. */
export interface ImportPreview {
  headers: string[];
  mapping: ColumnMapping;
  sample: string[][];
  totalRows: number;
  blankRows: number;
}

export type MappingProblem = 'no_header' | 'no_phone_column' | 'no_name_column';

/** A mapping that names a phone column and a name (or a first name), else what it lacks. */
export function mappingProblem(mapping: ColumnMapping): Exclude<MappingProblem, 'no_header'> | null {
  if (mapping.phone === undefined) return 'no_phone_column';
  if (mapping.name === undefined && mapping.firstName === undefined) return 'no_name_column';
  return null;
}

const PREVIEW_ROWS = 5;

/**
 * Reads a table row by row (a streamed CSV or a sheet): the first row is the header. The cells are kept as read, so
 * the admin can change the guessed mapping before the rows are built.
 */
export class ImportReader {
  private headers: string[] | null = null;
  private rowNo = 0;
  private pendingBlank = 0;
  private blankRows = 0;
  private readonly cells: { row: number; cells: readonly unknown[] }[] = [];

  constructor(private readonly region: CountryCode) {}

  push(cells: readonly unknown[]): void {
    this.rowNo += 1;
    if (!this.headers) {
      this.headers = cells.map(cellText);
      return;
    }
    if (cells.every((cell) => cellText(cell) === '')) {
      this.pendingBlank += 1;
      return;
    }
    this.blankRows += this.pendingBlank;
    this.pendingBlank = 0;
    this.cells.push({ row: this.rowNo, cells });
  }

  get guessedMapping(): ColumnMapping {
    return guessMapping(this.headers ?? []);
  }

  /** The guessed mapping's problem, or no_header for an empty file. */
  get mappingProblem(): MappingProblem | null {
    return this.headers ? mappingProblem(this.guessedMapping) : 'no_header';
  }

  preview(): ImportPreview {
    const width = this.headers?.length ?? 0;
    return {
      headers: this.headers ?? [],
      mapping: this.guessedMapping,
      sample: this.cells.slice(0, PREVIEW_ROWS).map(({ cells }) => Array.from({ length: width }, (_, i) => cellText(cells[i]))),
      totalRows: this.cells.length + this.blankRows,
      blankRows: this.blankRows,
    };
  }

  /** The rows as import_leads takes them, read through this mapping (the guessed one unless the admin changed it). */
  result(mapping: ColumnMapping = this.guessedMapping): ParsedImport {
    return {
      rows: this.cells.map(({ row, cells }) => this.toRow(row, cells, mapping)),
      totalRows: this.cells.length + this.blankRows,
      blankRows: this.blankRows,
      mapping,
    };
  }

  private toRow(rowNo: number, cells: readonly unknown[], mapping: ColumnMapping): ImportRow {
    const at = (field: ImportField) => (mapping[field] === undefined ? '' : cellText(cells[mapping[field]]));
    const row: ImportRow = { row: rowNo };
    const name = at('name') || [at('firstName'), at('lastName')].filter(Boolean).join(' ');
    if (name) row.name = name;
    const tags = at('tags').split(/[,;|]/).map((tag) => tag.trim()).filter(Boolean);
    if (tags.length > 0) row.tags = tags;
    if (YES.has(at('optedOut').toLowerCase())) row.opted_out = true;
    const email = at('email');
    if (email && !EMAIL.test(email)) return { ...row, error: 'invalid_email', value: email.slice(0, 200) };
    if (email) row.email = email;
    const phoneText = at('phone');
    if (!phoneText) return row;
    const phone = normalisePhone(phoneText, this.region);
    if (!phone) return { ...row, error: 'invalid_phone', value: phoneText.slice(0, 200) };
    return { ...row, phone };
  }
}

/** Rows per import_leads call: 50,000 rows are 25 calls, each well inside the statement timeout. */
export const IMPORT_CHUNK_ROWS = 2000;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
