import type { ColumnMapping, ImportPreview, MappingProblem, ParsedImport } from '@/lib/leadImport';

/** What the page asks the import worker: read this file (local numbers in this region), then build its rows this way. */
export type ParseRequest = { type: 'parse'; file: File; region: string } | { type: 'build'; mapping: ColumnMapping };

export type ParseProblem = MappingProblem | 'unreadable';

export type ParseReply =
  | { type: 'progress'; rows: number }
  | { type: 'parsed'; preview: ImportPreview }
  | { type: 'done'; result: ParsedImport }
  | { type: 'failed'; problem: ParseProblem; message?: string };
