/** Renders suite results as a console table and as the committed Markdown note. */
import type { Cell, SuiteResult } from './lib.ts';

export interface Machine {
  date: string;
  mode: 'quick' | 'full';
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  postgres: string;
  postgresSettings: string;
  durationSeconds?: number;
  /** Suites measured again later with `--merge` (the rest of the note is from `date`). */
  reruns?: { date: string; mode: 'quick' | 'full'; suites: string[] }[];
}

const cell = (value: Cell): string => (value === null ? '—' : String(value));

function table(columns: string[], rows: Cell[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => cell(r[i] ?? null).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.map(cell)))];
}

const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'MISSED');

export function renderText(machine: Machine, results: SuiteResult[]): string {
  const out: string[] = [
    `Leads Queue bench — ${machine.mode}, ${machine.date}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, PostgreSQL ${machine.postgres} (${machine.postgresSettings})`,
  ];
  for (const r of results) {
    out.push('', `== ${r.name} ==`);
    if (r.status !== 'ok') {
      out.push(`${r.status}: ${r.reason}`);
      continue;
    }
    out.push(...table(r.columns, r.rows));
    for (const b of r.budgets) out.push(`  budget ${b.label}: ${b.value} — ${verdict(b.met)}`);
    for (const n of r.notes) out.push(`  note: ${n}`);
  }
  return out.join('\n');
}

export function renderMarkdown(machine: Machine, results: SuiteResult[]): string {
  const out: string[] = [
    '# Leads Queue benchmarks',
    '',
    `- Date: ${machine.date} (${machine.mode} run${machine.durationSeconds ? `, ${machine.durationSeconds} s` : ''}; \`npm run bench${machine.mode === 'quick' ? ' -- --quick' : ''}\`)`,
    ...(machine.reruns ?? []).map((rerun) => `- Re-run ${rerun.date} (${rerun.mode}, \`--merge\`): ${rerun.suites.join('; ')}`),
    `- Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB memory, Node ${machine.node}`,
    `- PostgreSQL ${machine.postgres}, embedded, durable settings: ${machine.postgresSettings}`,
    '- Shared machine: absolute numbers drift; the ratios are measured side by side in the same run.',
  ];
  for (const r of results) {
    out.push('', `## ${r.name}`, '');
    if (r.status !== 'ok') {
      out.push(`_${r.status}: ${r.reason}_`);
      continue;
    }
    out.push(`| ${r.columns.join(' | ')} |`, `| ${r.columns.map(() => '---').join(' | ')} |`);
    for (const row of r.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
    if (r.budgets.length) {
      out.push('', '| Budget | Value | Verdict |', '| --- | --- | --- |');
      for (const b of r.budgets) out.push(`| ${b.label} | ${b.value} | ${verdict(b.met)} |`);
    }
    if (r.notes.length) out.push('', ...r.notes.map((n) => `- ${n}`));
    for (const d of r.details ?? []) {
      if (d.body) out.push('', `<details><summary>${d.title}</summary>`, '', '```', d.body, '```', '', '</details>');
    }
  }
  return `${out.join('\n')}\n`;
}
