/**
 * Suite 8 — import and export in Chromium (bench/import/import-50k.spec.ts, run by Playwright as its own process on the
 * e2e stack with the production build): 50,000 CSV rows from the click to the report with the page's long tasks, then
 * 100,000 queue items exported to a file with the page's JS heap sampled.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { emptyResult, fmt, skipped, type BenchContext, type SuiteResult } from '../lib.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface ImportFigures {
  rows: number;
  elapsedMs: number;
  parsedMs: number;
  longestTaskMs: number;
  longTasks: number;
  budgetMs: number;
  taskBudgetMs: number;
  at: string;
}

interface ExportFigures {
  items: number;
  elapsedMs: number;
  fileBytes: number;
  heapBaselineBytes: number;
  heapPeakBytes: number;
  heapGrowthBytes: number;
  heapRetainedBytes?: number;
  heapRetainedGrowthBytes?: number;
  at: string;
}

const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);

/** The figures the spec wrote in this run, or null when it did not get that far. */
async function figures<T extends { at: string }>(file: string, since: number): Promise<T | null> {
  const text = await readFile(path.join(ROOT, 'bench', 'results', file), 'utf8').catch(() => null);
  if (!text) return null;
  const parsed = JSON.parse(text) as T;
  return Date.parse(parsed.at) >= since ? parsed : null;
}

export async function importSuite(ctx: BenchContext): Promise<SuiteResult> {
  const name = '8. Import and export in Chromium (bench/import)';
  const since = Date.now();
  let failure: string | undefined;
  try {
    await run('npx', ['playwright', 'test', '--config', 'bench/import/playwright.config.ts', '--reporter=line'], {
      cwd: ROOT,
      timeout: 900_000,
      maxBuffer: 16 * 2 ** 20,
    });
  } catch (error) {
    const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    failure = output.split('\n').filter((line) => /Error|expect|✘|failed/.test(line)).slice(0, 4).join(' ') || (error as Error).message;
  }
  const imported = await figures<ImportFigures>('import-50k.json', since);
  const exported = await figures<ExportFigures>('export-100k.json', since);
  if (!imported && !exported) return skipped(name, `the Playwright bench wrote no figures: ${failure}`);
  const result = emptyResult(name, ['step', 'size', 'time s', 'figures']);
  if (imported) {
    result.rows.push(['import CSV, click → report', `${imported.rows} rows`, fmt(imported.elapsedMs / 1000, 1),
      `read and previewed in ${fmt(imported.parsedMs / 1000, 1)} s; longest main-thread task ${imported.longestTaskMs} ms, ${imported.longTasks} tasks over 50 ms`]);
    result.budgets.push({ label: `${imported.rows} rows imported end to end < 15 s`, value: `${fmt(imported.elapsedMs / 1000, 1)} s`, met: imported.elapsedMs < imported.budgetMs });
    result.budgets.push({ label: 'no main-thread task > 200 ms meanwhile', value: `longest ${imported.longestTaskMs} ms`, met: imported.longestTaskMs < imported.taskBudgetMs });
  }
  if (exported) {
    result.rows.push(['export CSV (status sent)', `${exported.items} items`, fmt(exported.elapsedMs / 1000, 1),
      `file ${mb(exported.fileBytes)} MB; JS heap ${mb(exported.heapBaselineBytes)} → peak ${mb(exported.heapPeakBytes)} MB (+${mb(exported.heapGrowthBytes)})` +
        (exported.heapRetainedBytes === undefined ? '' : `; after a forced GC ${mb(exported.heapRetainedBytes)} MB (${exported.heapRetainedGrowthBytes! >= 0 ? '+' : ''}${mb(exported.heapRetainedGrowthBytes!)})`)]);
    result.budgets.push({ label: 'export streams: heap growth < half the file', value: `+${mb(exported.heapGrowthBytes)} MB for a ${mb(exported.fileBytes)} MB file`, met: exported.heapGrowthBytes < exported.fileBytes / 2 });
  }
  if (failure) result.notes.push(`Playwright reported: ${failure}`);
  result.notes.push(
    'Headless Debian Chromium, the production build (vite build + vite preview) against the e2e local stack (its own embedded PostgreSQL, not the bench server), signed in as the Demo admin.',
    'Import: a generated CSV (Name, Phone 052-…, Email, Tags) of 50,000 distinct leads; timed from the click on "Read the file" to the report showing 50,000 created (the column check confirmed at once); parsing in the Web Worker, import_leads in chunks of 2,000 rows, the report from the chunk results. Long tasks from PerformanceObserver("longtask") from the click on.',
    'Export: 100,000 sent items inserted by SQL for those leads, exported with status "sent": per page of 1,000 the key where it ends (export_page_end), then its rows as PostgREST text/csv (export_queue_csv, cells defused in SQL) kept as the response Blob. The JS heap (CDP Performance.getMetrics JSHeapUsedSize) sampled every 50 ms from a collected-garbage baseline taken once the page has loaded its grid (50,060 leads) until the download starts, then once more after a forced GC.',
  );
  if (ctx.quick) result.notes.push('--quick does not shrink this suite: the budgets are about 50,000 and 100,000 rows.');
  result.data = { imported, exported };
  return result;
}
