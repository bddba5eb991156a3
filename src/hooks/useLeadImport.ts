import { useCallback, useEffect, useRef, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';
import { sendChunks } from '@/lib/importChunks';
import { getLeadImportReport, importLeadChunk, startLeadImport } from '@/services/leads/leadImportService';
import { chunk, IMPORT_CHUNK_ROWS, type ColumnMapping, type ImportPreview, type ParsedImport } from '@/lib/leadImport';
import type { LeadImportReport } from '@/types/queue';
import ImportWorker from '@/workers/leadImport.worker.ts?worker';
import type { ParseProblem, ParseReply, ParseRequest } from '@/workers/leadImportProtocol';

export type ImportPhase =
  | { step: 'idle' }
  | { step: 'parsing'; rows: number }
  | { step: 'mapping'; file: File; preview: ImportPreview; mapping: ColumnMapping }
  | { step: 'building' }
  | { step: 'uploading'; done: number; total: number }
  | { step: 'done'; report: LeadImportReport; error: ServiceError | null }
  | { step: 'failed'; problem: ParseProblem | null; error: ServiceError | null };

/**
 * Parses a file in a worker (the page stays responsive) and shows the guessed columns with the first rows; once the
 * admin confirms the columns, the worker builds the rows, which are written chunk by chunk, and the report is read back.
 */
export function useLeadImport(clientId: string, region: string) {
  const [phase, setPhase] = useState<ImportPhase>({ step: 'idle' });
  const worker = useRef<Worker | null>(null);
  const running = useRef(false);

  const stopWorker = useCallback(() => {
    worker.current?.terminate();
    worker.current = null;
  }, []);
  useEffect(() => stopWorker, [stopWorker]);

  /** Sends one request to the worker and waits for its answer (progress is shown on the way). */
  const ask = useCallback(
    (request: ParseRequest) =>
      new Promise<Exclude<ParseReply, { type: 'progress' }>>((resolve) => {
        worker.current ??= new ImportWorker();
        worker.current.onmessage = (event: MessageEvent<ParseReply>) => {
          if (event.data.type === 'progress') setPhase({ step: 'parsing', rows: event.data.rows });
          else resolve(event.data);
        };
        worker.current.onerror = () => resolve({ type: 'failed', problem: 'unreadable' });
        worker.current.postMessage(request);
      }),
    [],
  );

  const read = useCallback(
    async (file: File) => {
      if (running.current) return;
      running.current = true;
      stopWorker();
      setPhase({ step: 'parsing', rows: 0 });
      const answer = await ask({ type: 'parse', file, region });
      running.current = false;
      if (answer.type === 'parsed') setPhase({ step: 'mapping', file, preview: answer.preview, mapping: answer.preview.mapping });
      else {
        stopWorker();
        setPhase({ step: 'failed', problem: answer.type === 'failed' ? answer.problem : 'unreadable', error: null });
      }
    },
    [ask, region, stopWorker],
  );

  const write = useCallback(
    async (file: File, parsed: ParsedImport) => {
      const chunks = chunk(parsed.rows, IMPORT_CHUNK_ROWS);
      const importId = crypto.randomUUID();
      await startLeadImport({ importId, clientId, fileName: file.name, totalRows: parsed.totalRows, blankRows: parsed.blankRows, totalChunks: chunks.length });
      setPhase({ step: 'uploading', done: 0, total: chunks.length });
      const run = await sendChunks(
        chunks,
        (index, rows) => importLeadChunk(importId, index, rows),
        (done) => setPhase({ step: 'uploading', done, total: chunks.length }),
      );
      // The report comes from what the server stored, so a cut-short import reports what it did.
      const failure = run.failure === null ? null : toServiceError(run.failure);
      setPhase({ step: 'done', report: await getLeadImportReport(importId), error: failure });
    },
    [clientId],
  );

  const confirm = useCallback(
    async (file: File, mapping: ColumnMapping) => {
      if (running.current) return;
      running.current = true;
      setPhase({ step: 'building' });
      try {
        const answer = await ask({ type: 'build', mapping });
        stopWorker();
        if (answer.type === 'done') await write(file, answer.result);
        else setPhase({ step: 'failed', problem: answer.type === 'failed' ? answer.problem : 'unreadable', error: null });
      } catch (error) {
        setPhase({ step: 'failed', problem: null, error: toServiceError(error) });
      } finally {
        running.current = false;
      }
    },
    [ask, stopWorker, write],
  );

  const remap = useCallback((mapping: ColumnMapping) => setPhase((now) => (now.step === 'mapping' ? { ...now, mapping } : now)), []);

  const reset = useCallback(() => {
    stopWorker();
    setPhase({ step: 'idle' });
  }, [stopWorker]);
  return { phase, read, remap, confirm, reset };
}
