import type { ParsedImport } from '@/lib/leadImport';

/** What the page asks the import worker: parse this file, reading local numbers in this region. */
export interface ParseRequest {
  file: File;
  region: string;
}

export type ParseProblem = 'no_header' | 'no_phone_column' | 'no_name_column' | 'unreadable';

export type ParseReply =
  | { type: 'progress'; rows: number }
  | { type: 'done'; result: ParsedImport }
  | { type: 'failed'; problem: ParseProblem; message?: string };
