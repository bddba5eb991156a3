/**
 * Suite 5 — front end: gzip size of the JavaScript a first visit loads (entry + its static imports,
 * i.e. login + dashboard, which are not lazy) and of all JavaScript, from a production `vite build`
 * into a temporary directory (the repo's dist/ is left alone). The Chromium render timing of 10,000
 * queue items is suite 6 (suites/ui.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { emptyResult, fmt, skipped, type BenchContext, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const run = promisify(execFile);

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  src?: string;
}

const kb = (bytes: number) => fmt(bytes / 1024, 1);

export async function frontendSuite(_ctx: BenchContext): Promise<SuiteResult> {
  const name = '5. Front end (production build, gzip)';
  const out = await mkdtemp(path.join(os.tmpdir(), 'lq-bench-dist-'));
  try {
    try {
      await run('npx', ['vite', 'build', '--outDir', out, '--emptyOutDir', '--manifest', '--logLevel', 'error'], { cwd: ROOT, timeout: 180_000 });
    } catch (error) {
      return skipped(name, `vite build failed: ${((error as { stderr?: string }).stderr ?? (error as Error).message).split('\n').slice(0, 3).join(' ')}`);
    }
    const manifest = JSON.parse(await readFile(path.join(out, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
    const gz = new Map<string, { raw: number; gzip: number }>();
    const size = async (file: string) => {
      if (!gz.has(file)) {
        const bytes = await readFile(path.join(out, file));
        gz.set(file, { raw: bytes.length, gzip: gzipSync(bytes).length });
      }
      return gz.get(file)!;
    };
    // Entry + everything it imports statically = what the browser fetches before the first render.
    const initial = new Set<string>();
    const visit = (key: string) => {
      const chunk = manifest[key];
      if (!chunk || initial.has(chunk.file)) return;
      initial.add(chunk.file);
      for (const dep of chunk.imports ?? []) visit(dep);
    };
    for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
    const initialJs = [...initial].filter((f) => f.endsWith('.js'));
    const allJs = (await readdir(path.join(out, 'assets'))).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
    const sum = async (files: string[]) => {
      let raw = 0;
      let gzip = 0;
      for (const f of files) {
        const s = await size(f);
        raw += s.raw;
        gzip += s.gzip;
      }
      return { raw, gzip };
    };
    const init = await sum(initialJs);
    const total = await sum(allJs);
    const lazy = Object.values(manifest).filter((c) => !initial.has(c.file) && c.file.endsWith('.js')).map((c) => `${c.src ?? c.file}`);
    const result = emptyResult(name, ['bundle', 'files', 'raw KB', 'gzip KB']);
    result.rows.push(['initial JS (entry + static imports: login + dashboard)', initialJs.length, kb(init.raw), kb(init.gzip)]);
    result.rows.push(['all JS', allJs.length, kb(total.raw), kb(total.gzip)]);
    result.budgets.push({ label: 'initial JS (login + dashboard) ≤ 220 KB gzip', value: `${kb(init.gzip)} KB`, met: init.gzip <= 220 * 1024 });
    result.notes.push(
      `vite build --manifest into a temporary directory; gzip = zlib default level. Lazy chunks (not in the initial load): ${lazy.join(', ') || 'none'}.`,
      'Render time of the queue page with 10,000 items in Chromium: suite 6 (ui).',
    );
    result.data = { initial: init, total, initialFiles: initialJs, allFiles: allJs, sizes: Object.fromEntries(gz) };
    return result;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
