import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import { CSV_BOM, csvRow } from '@/lib/csv';
import { downloadBlob } from '@/lib/download';
import type { LeadImportReport } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { ValueCell } from './ValueCell';

const SHOWN_PROBLEMS = 20;
const REASONS = ['missing_name', 'name_too_long', 'missing_phone', 'invalid_phone', 'invalid_email', 'invalid_tags', 'invalid_row'] as const;
type Reason = (typeof REASONS)[number];
const asReason = (reason: string): Reason => REASONS.find((known) => known === reason) ?? 'invalid_row';

/** The server's report of an import: the counts, the first rows it did not import with the reason, and all of them as CSV. */
export function ImportReport({ report }: { report: LeadImportReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  const counts = [
    ['created', report.created],
    ['updated', report.updated],
    ['unchanged', report.unchanged],
    ['keptOptedOut', report.kept_opted_out],
    ['invalid', report.invalid.length],
    ['blank', report.blank_rows],
  ] as const;
  const download = () => {
    const lines = [
      csvRow([t('leadImport.row'), t('leadImport.reason'), t('leadImport.value')]),
      ...report.invalid.map((problem) => csvRow([problem.row, t(`leadImport.reasons.${asReason(problem.reason)}`), problem.value ?? ''])),
    ];
    downloadBlob(new Blob([CSV_BOM, ...lines], { type: 'text/csv;charset=utf-8' }), `import-report-${report.file_name.replace(/\.\w+$/, '')}.csv`);
  };
  return (
    <section aria-labelledby="import-report-title" data-testid="import-report" className="flex min-w-0 flex-col gap-3">
      <h3 id="import-report-title" className="font-semibold">
        {t('leadImport.reportTitle', { file: report.file_name })}
      </h3>
      {!report.complete && <p className="text-sm text-destructive">{t('leadImport.incomplete', { done: report.chunks_done, total: report.total_chunks })}</p>}
      <dl className="grid grid-cols-3 gap-2 text-sm sm:grid-cols-6">
        {counts.map(([key, value]) => (
          <div key={key} className="rounded-md bg-muted p-2 text-center">
            <dt className="text-muted-foreground">{t(`leadImport.${key}`)}</dt>
            <dd className="text-lg font-semibold tabular-nums" data-testid={`import-${key}`}>
              {format.number(value)}
            </dd>
          </div>
        ))}
      </dl>
      {report.invalid.length > 0 && (
        <Table data-testid="import-problems" className="table-fixed">
          <TableHeader>
            <TableRow>
              <TableHead className="w-16">{t('leadImport.row')}</TableHead>
              <TableHead>{t('leadImport.reason')}</TableHead>
              <TableHead>{t('leadImport.value')}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {report.invalid.slice(0, SHOWN_PROBLEMS).map((problem) => (
              <TableRow key={problem.row}>
                <TableCell className="tabular-nums">{problem.row}</TableCell>
                <TableCell>{t(`leadImport.reasons.${asReason(problem.reason)}`)}</TableCell>
                <ValueCell value={problem.value} dir="ltr" testId="import-problem-value" />
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {report.invalid.length > SHOWN_PROBLEMS && <p className="text-sm">{t('leadImport.more', { count: report.invalid.length - SHOWN_PROBLEMS })}</p>}
      <Button variant="outline" className="self-start" data-testid="import-download" onClick={download}>
        {t('leadImport.download')}
      </Button>
    </section>
  );
}
