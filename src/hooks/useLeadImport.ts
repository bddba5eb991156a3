import { useCallback, useRef, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { getLeadImportReport, importLeadChunk, startLeadImport } from '@/services/leads/leadImportService';
import { chunk, IMPORT_CHUNK_ROWS, type ParsedImport } from '@/lib/leadImport';
import type { LeadImportReport } from '@/types/queue';
import ImportWorker from '@/workers/leadImport.worker.ts?worker';
import type { ParseProblem, ParseReply } from '@/workers/leadImportProtocol';

export type ImportPhase =
  | { step: 'idle' }
  | { step: 'parsing'; rows: number }
  | { step: 'uploading'; done: number; total: number }
  | { step: 'done'; report: LeadImportReport; error: ServiceError | null }
  | { step: 'failed'; problem: ParseProblem | null; error: ServiceError | null };

/** Parses a file in a worker (the page stays responsive), then writes it chunk by chunk and reads back the report. */
export function useLeadImport(clientId: string, region: string) {
  const [phase, setPhase] = useState<ImportPhase>({ step: 'idle' });
  const running = useRef(false);

  const parse = useCallback(
    (file: File) =>
      new Promise<ParsedImport | ParseProblem>((resolve) => {
        const worker = new ImportWorker();
        worker.onmessage = (event: MessageEvent<ParseReply>) => {
          const message = event.data;
          if (message.type === 'progress') setPhase({ step: 'parsing', rows: message.rows });
          else {
            worker.terminate();
            resolve(message.type === 'done' ? message.result : message.problem);
          }
        };
        worker.onerror = () => {
          worker.terminate();
          resolve('unreadable');
        };
        worker.postMessage({ file, region });
      }),
    [region],
  );

  const run = useCallback(
    async (file: File) => {
      if (running.current) return;
      running.current = true;
      setPhase({ step: 'parsing', rows: 0 });
      try {
        const parsed = await parse(file);
        if (typeof parsed === 'string') {
          setPhase({ step: 'failed', problem: parsed, error: null });
          return;
        }
        const chunks = chunk(parsed.rows, IMPORT_CHUNK_ROWS);
        const importId = crypto.randomUUID();
        await startLeadImport({ importId, clientId, fileName: file.name, totalRows: parsed.totalRows, blankRows: parsed.blankRows, totalChunks: chunks.length });
        let failure: ServiceError | null = null;
        for (const [index, rows] of chunks.entries()) {
          setPhase({ step: 'uploading', done: index, total: chunks.length });
          try {
            await importLeadChunk(importId, index, rows);
          } catch (error) {
            failure = toServiceError(error);
            break;
          }
        }
        // The report comes from what the server stored, so a cut-short import reports what it did.
        setPhase({ step: 'done', report: await getLeadImportReport(importId), error: failure });
      } catch (error) {
        setPhase({ step: 'failed', problem: null, error: toServiceError(error) });
      } finally {
        running.current = false;
      }
    },
    [clientId, parse],
  );

  const reset = useCallback(() => setPhase({ step: 'idle' }), []);
  return { phase, run, reset };
}
