/**
 * `npm run bench [-- --quick] [-- --only=engine,dashboard] [-- --merge]`: boots its own embedded PostgreSQL with
 * durable settings (fsync and synchronous_commit on, unlike the test clusters), runs the suites,
 * prints a table and writes bench/results/latest.{json,md}; with --merge the suites run replace theirs in the
 * existing results and the others are kept as they were.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '@leads-queue/local-supabase';
import { skipped, type BenchContext, type SuiteResult } from './lib.ts';
import { renderMarkdown, renderText, type Machine } from './report.ts';
import { dashboardSuite } from './suites/dashboard.ts';
import { engineSuite } from './suites/engine.ts';
import { enqueueSuite } from './suites/enqueue.ts';
import { frontendSuite } from './suites/frontend.ts';
import { gatewaySuite } from './suites/gateway.ts';
import { importSuite } from './suites/import.ts';
import { listSuite } from './suites/list.ts';
import { processorSuite } from './suites/processor.ts';
import { realtimeSuite } from './suites/realtime.ts';
import { uiSuite } from './suites/ui.ts';

/** The repository root (this file's folder is bench). */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const SUITES: Record<string, (ctx: BenchContext) => Promise<SuiteResult>> = {
  engine: engineSuite,
  enqueue: enqueueSuite,
  dashboard: dashboardSuite,
  list: listSuite,
  gateway: gatewaySuite,
  realtime: realtimeSuite,
  frontend: frontendSuite,
  ui: uiSuite,
  processor: processorSuite,
  import: importSuite,
};

let stopping = false;
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (stopping && error.code === '57P01') return;
  console.error(error);
  process.exit(1);
});

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const output = args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? 'latest';
  const merge = args.includes('--merge');
  const started = Date.now();
  const log = (line: string) => console.log(line);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'lq-bench-pg-'));
  // Not `ephemeral`: fsync, synchronous_commit and full_page_writes stay on, as in production.
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), log: () => {} });
  const results: SuiteResult[] = [];
  let machine: Machine;
  try {
    const settings = await new pg.Client({ connectionString: server.url });
    await settings.connect();
    const { rows } = await settings.query<{ name: string; setting: string; unit: string | null }>(
      `select name, setting, unit from pg_settings where name in ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'work_mem', 'max_connections')`,
    );
    await settings.end();
    const setting = (name: string) => rows.find((r) => r.name === name);
    const sb = setting('shared_buffers');
    machine = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      node: process.version,
      postgres: setting('server_version')?.setting ?? 'unknown',
      postgresSettings: `fsync=${setting('fsync')?.setting}, synchronous_commit=${setting('synchronous_commit')?.setting}, full_page_writes=${setting('full_page_writes')?.setting}, shared_buffers=${sb ? `${(Number(sb.setting) * 8) / 1024} MB` : '?'}, work_mem=${setting('work_mem')?.setting} kB`,
    };
    log(`Leads Queue bench (${machine.mode}) — ${machine.cpus} cores, ${machine.memoryGb} GB, Node ${machine.node}, PostgreSQL ${machine.postgres} (embedded, durable: ${machine.postgresSettings})`);
    const ctx: BenchContext = { quick, serverUrl: server.url, log };
    for (const [key, suite] of Object.entries(SUITES)) {
      if (only && !only.includes(key)) continue;
      const t0 = Date.now();
      log(`\n▶ ${key}`);
      try {
        results.push({ ...(await suite(ctx)), suite: key });
      } catch (error) {
        console.error(error);
        results.push({ ...skipped(key, `failed: ${(error as Error).message}`), status: 'failed', suite: key });
      }
      log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    // Pools a helper left open (idle connections without an error listener) see the server go away.
    stopping = true;
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  machine.durationSeconds = Math.round((Date.now() - started) / 1000);
  console.log(`\n${renderText(machine, results)}`);
  const outDir = path.join(ROOT, 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  const written = merge ? await mergeInto(path.join(outDir, `${output}.json`), machine, results) : { machine, results };
  await writeFile(path.join(outDir, `${output}.json`), `${JSON.stringify(written, null, 2)}\n`);
  await writeFile(path.join(outDir, `${output}.md`), renderMarkdown(written.machine, written.results));
  console.log(`wrote bench/results/${output}.json and bench/results/${output}.md (${machine.durationSeconds} s)`);
}

/** A result from an earlier run is the same suite when its key matches (or, written before keys, its section number). */
function sameSuite(earlier: SuiteResult, now: SuiteResult): boolean {
  return earlier.suite !== undefined ? earlier.suite === now.suite : earlier.name.split(' ')[0] === now.name.split(' ')[0];
}

/** The earlier results with this run's suites put in their places (new suites last), and the re-run noted. */
async function mergeInto(file: string, machine: Machine, results: SuiteResult[]): Promise<{ machine: Machine; results: SuiteResult[] }> {
  const earlier = await readFile(file, 'utf8').then((text) => JSON.parse(text) as { machine: Machine; results: SuiteResult[] }, () => null);
  if (!earlier) return { machine, results };
  const merged = earlier.results.map((old) => results.find((now) => sameSuite(old, now)) ?? old);
  merged.push(...results.filter((now) => !merged.includes(now)));
  const rerun = { date: machine.date, mode: machine.mode, suites: results.map((r) => r.name) };
  return { machine: { ...earlier.machine, reruns: [...(earlier.machine.reruns ?? []), rerun] }, results: merged };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
