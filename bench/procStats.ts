/** CPU and memory of local processes from /proc (Linux), for suites that measure a server from outside. */
import { readdir, readFile } from 'node:fs/promises';

const CLOCK_TICKS = 100;

/** The fields after the command name of /proc/<pid>/stat (index 0 is the state, 1 the parent pid, 11/12 utime/stime). */
async function statFields(pid: number): Promise<string[] | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat ? stat.slice(stat.lastIndexOf(') ') + 2).split(' ') : null;
}

/** User + system CPU of one process so far (ms). */
export async function processCpuMs(pid: number): Promise<number> {
  const fields = await statFields(pid);
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS : 0;
}

export async function processRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export async function parentPid(pid: number): Promise<number> {
  return Number((await statFields(pid))?.[1] ?? 0);
}

/** CPU of a process and its live children (a PostgreSQL postmaster and its backends) so far (ms). */
export async function treeCpuMs(root: number): Promise<number> {
  let total = await processCpuMs(root);
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === root) continue;
    if ((await parentPid(pid)) === root) total += await processCpuMs(pid);
  }
  return total;
}

/** Samples a process's RSS every `everyMs` until stopped; `peak()` is the highest seen. */
export function rssSampler(pid: number, everyMs = 20): { peak: () => number; stop: () => void } {
  let peak = 0;
  const sample = () => void processRssMb(pid).then((mb) => (peak = Math.max(peak, mb)), () => {});
  sample();
  const timer = setInterval(sample, everyMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}
