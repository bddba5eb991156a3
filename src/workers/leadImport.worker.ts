/// <reference lib="webworker" />
import Papa from 'papaparse';
import { readSheet } from 'read-excel-file/web-worker';
import type { CountryCode } from 'libphonenumber-js/min';
import { ImportReader, mappingProblem } from '@/lib/leadImport';
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

// The file's cells stay here between the preview and the admin's go, so the page never holds them.
let reader: ImportReader | null = null;

self.onmessage = async (event: MessageEvent<ParseRequest>) => {
  const request = event.data;
  if (request.type === 'build') {
    const problem = reader ? mappingProblem(request.mapping) : 'unreadable';
    reply(problem || !reader ? { type: 'failed', problem: problem ?? 'unreadable' } : { type: 'done', result: reader.result(request.mapping) });
    return;
  }
  reader = new ImportReader(request.region as CountryCode);
  try {
    if (/\.xlsx$/i.test(request.file.name)) await parseXlsx(request.file, reader);
    else await parseCsv(request.file, reader);
    if (reader.mappingProblem === 'no_header') reply({ type: 'failed', problem: 'no_header' });
    else reply({ type: 'parsed', preview: reader.preview() });
  } catch (error) {
    reply({ type: 'failed', problem: 'unreadable', message: error instanceof Error ? error.message : String(error) });
  }
};
