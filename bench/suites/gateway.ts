/**
 * Suite 3b — gateway overhead, as measured by the stack helper's probe (bench/gateway-overhead.ts,
 * run as its own process: it boots its own durable PostgreSQL and writes bench/results/gateway-overhead.json).
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { emptyResult, fmt, skipped, type BenchContext, type SuiteResult } from '../lib.ts';

/** The repository root (this file's folder is bench/suites). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const run = promisify(execFile);

interface Probe {
  runs: number;
  direct: { median: number; p95: number };
  directTx: { median: number; p95: number };
  health: { median: number; p95: number };
  fetchRest: { median: number; p95: number };
  gateway: { median: number; p95: number };
  /** Through a second gateway with prepared statements off (absent in probes before they were measured). */
  gatewayUnprepared?: { median: number; p95: number };
  /** Through a third gateway that plans every request anew (absent in probes before plans were kept). */
  gatewayUnplanned?: { median: number; p95: number };
  overheadMedianMs: { vsDirect: number; vsDirectTx: number };
  /** Rpcs with arguments, by name: direct (prepared), per-call transaction, and both gateways. */
  rpc?: Record<string, unknown>;
}

type Pair = { median: number; p95: number };
type RpcProbe = { direct: Pair; directTx: Pair; gateway: Pair; gatewayUnprepared: Pair; gatewayUnplanned?: Pair };

export async function gatewaySuite(ctx: BenchContext): Promise<SuiteResult> {
  const name = '3b. Gateway overhead (bench/gateway-overhead.ts)';
  const script = path.join(ROOT, 'bench', 'gateway-overhead.ts');
  if (!(await access(script).then(() => true, () => false))) return skipped(name, 'bench/gateway-overhead.ts is missing');
  const runs = ctx.quick ? 200 : 1000;
  try {
    await run('npx', ['tsx', script, `--runs=${runs}`], { cwd: ROOT, timeout: 300_000 });
  } catch (error) {
    return skipped(name, `gateway-overhead.ts failed: ${((error as { stderr?: string }).stderr ?? (error as Error).message).split('\n').slice(0, 3).join(' ')}`);
  }
  const probe = JSON.parse(await readFile(path.join(ROOT, 'bench', 'results', 'gateway-overhead.json'), 'utf8')) as Probe;
  const result = emptyResult(name, ['path', 'p50 ms', 'p95 ms']);
  const row = (label: string, s: { median: number; p95: number }) => result.rows.push([label, fmt(s.median, 3), fmt(s.p95, 3)]);
  row('direct (pg, role + claims set once)', probe.direct);
  row('direct, one transaction per call (as PostgREST)', probe.directTx);
  row('fetch /health (HTTP + routing only)', probe.health);
  row('fetch /rest/v1 (no supabase-js)', probe.fetchRest);
  row('supabase-js → gateway → REST → Postgres', probe.gateway);
  if (probe.gatewayUnprepared) row('the same, prepared statements off', probe.gatewayUnprepared);
  if (probe.gatewayUnplanned) row('the same, every request planned anew (plans not kept)', probe.gatewayUnplanned);
  for (const [fn, value] of Object.entries(probe.rpc ?? {})) {
    if (fn === 'overheadMedianMs') continue;
    const rpc = value as RpcProbe;
    row(`rpc ${fn}(for_client): direct (prepared)`, rpc.direct);
    row(`rpc ${fn}: direct, one transaction per call`, rpc.directTx);
    row(`rpc ${fn}: supabase-js → gateway`, rpc.gateway);
    row(`rpc ${fn}: supabase-js → gateway, prepared statements off`, rpc.gatewayUnprepared);
    if (rpc.gatewayUnplanned) row(`rpc ${fn}: supabase-js → gateway, plans not kept`, rpc.gatewayUnplanned);
  }
  result.budgets.push({
    label: 'gateway overhead < 3 ms p50 (vs direct per-call transaction)',
    value: `${fmt(probe.overheadMedianMs.vsDirectTx, 2)} ms`,
    met: probe.overheadMedianMs.vsDirectTx < 3,
  });
  result.notes.push(`The stack helper's probe, ${probe.runs} runs: the same 20-lead select and two rpcs with arguments (queue_status, queue_list_counts) as the Demo admin (RLS on) on the seeded database, interleaved; see bench/gateway-overhead.ts.`);
  result.data = probe;
  return result;
}
