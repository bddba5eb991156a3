/// <reference lib="webworker" />
import Papa from 'papaparse';
import { readSheet } from 'read-excel-file/web-worker';
import type { CountryCode } from 'libphonenumber-js/min';
import { ImportReader } from '@/lib/leadImport';
import type { ParseReply, ParseRequest } from './leadImportProtocol';

declare const self: DedicatedWorkerGlobalScope;

const reply = (message: ParseReply) => self.postMessage(message);

function parseCsv(file: File, reader: ImportReader): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    // Streamed: the file is read in pieces, never whole into one string.
    Papa.parse<string[]>(file, {
      skipEmptyLines: false,
      chunk: (results) => {
        for (const cells of results.data) reader.push(cells);
        seen += results.data.length;
        reply({ type: 'progress', rows: seen });
      },
      complete: () => resolve(),
      error: (error) => reject(error),
    });
  });
}

async function parseXlsx(file: File, reader: ImportReader): Promise<void> {
  const table = await readSheet(file);
  for (const cells of table) reader.push(cells);
  reply({ type: 'progress', rows: table.length });
}

self.onmessage = async (event: MessageEvent<ParseRequest>) => {
  const { file, region } = event.data;
  const reader = new ImportReader(region as CountryCode);
  try {
    if (/\.xlsx$/i.test(file.name)) await parseXlsx(file, reader);
    else await parseCsv(file, reader);
    const problem = reader.mappingProblem;
    if (problem) reply({ type: 'failed', problem });
    else reply({ type: 'done', result: reader.result() });
  } catch (error) {
    reply({ type: 'failed', problem: 'unreadable', message: error instanceof Error ? error.message : String(error) });
  }
};
