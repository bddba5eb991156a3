import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Upload } from 'lucide-react';
import { useErrorText } from '@/hooks/useErrorText';
import { useLeadImport } from '@/hooks/useLeadImport';
import { CSV_BOM, csvRow } from '@/lib/csv';
import { downloadBlob } from '@/lib/download';
import type { LeadImportReport } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

const SHOWN_PROBLEMS = 20;
const REASONS = ['missing_name', 'name_too_long', 'missing_phone', 'invalid_phone', 'invalid_email', 'invalid_tags', 'invalid_row'] as const;
type Reason = (typeof REASONS)[number];
const asReason = (reason: string): Reason => REASONS.find((known) => known === reason) ?? 'invalid_row';

/** Import leads from a CSV or XLSX file: parse off the main thread, write in chunks, show the server's report. */
export function LeadImportDialog({ clientId, region, onImported }: { clientId: string; region: string; onImported: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { phase, run, reset } = useLeadImport(clientId, region);
  const [file, setFile] = useState<File | null>(null);
  const [open, setOpen] = useState(false);
  const fileId = useId();
  const busy = phase.step === 'parsing' || phase.step === 'uploading';

  const start = async () => {
    if (!file) return;
    await run(file);
    onImported();
  };

  const reportCsv = (report: LeadImportReport) => {
    const lines = [
      csvRow([t('leadImport.row'), t('leadImport.reason'), t('leadImport.value')]),
      ...report.invalid.map((problem) => csvRow([problem.row, t(`leadImport.reasons.${asReason(problem.reason)}`), problem.value ?? ''])),
    ];
    downloadBlob(new Blob([CSV_BOM, ...lines], { type: 'text/csv;charset=utf-8' }), `import-report-${report.file_name.replace(/\.\w+$/, '')}.csv`);
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (busy) return;
        setOpen(next);
        if (!next) {
          reset();
          setFile(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" data-testid="import-open">
          <Upload aria-hidden="true" />
          {t('leadImport.open')}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={t('common.close')} className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{t('leadImport.title')}</DialogTitle>
          <DialogDescription>{t('leadImport.description')}</DialogDescription>
        </DialogHeader>
        {phase.step !== 'done' && (
          <Field htmlFor={fileId} label={t('leadImport.file')}>
            <Input
              id={fileId}
              type="file"
              data-testid="import-file"
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              disabled={busy}
              onChange={(event) => setFile(event.target.files?.[0] ?? null)}
            />
          </Field>
        )}
        <p role="status" className="text-sm text-muted-foreground" data-testid="import-progress">
          {phase.step === 'parsing' && t('leadImport.parsing', { rows: phase.rows })}
          {phase.step === 'uploading' && t('leadImport.uploading', { done: phase.done, total: phase.total })}
        </p>
        {phase.step === 'failed' && (
          <Alert variant="destructive" data-testid="import-error">
            <AlertDescription>{phase.problem ? t(`leadImport.problems.${phase.problem}`) : errorText(phase.error)}</AlertDescription>
          </Alert>
        )}
        {phase.step === 'done' && <ImportReport report={phase.report} />}
        {phase.step === 'done' && phase.error && (
          <Alert variant="destructive" data-testid="import-error">
            <AlertDescription>{errorText(phase.error)}</AlertDescription>
          </Alert>
        )}
        <DialogFooter>
          {phase.step === 'done' ? (
            <Button variant="outline" data-testid="import-download" onClick={() => reportCsv(phase.report)}>
              {t('leadImport.download')}
            </Button>
          ) : (
            <Button data-testid="import-start" disabled={!file || busy} onClick={() => void start()}>
              {t('leadImport.start')}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function ImportReport({ report }: { report: LeadImportReport }) {
  const { t } = useTranslation();
  const counts = [
    ['created', report.created],
    ['updated', report.updated],
    ['unchanged', report.unchanged],
    ['keptOptedOut', report.kept_opted_out],
    ['invalid', report.invalid.length],
    ['blank', report.blank_rows],
  ] as const;
  return (
    <section aria-labelledby="import-report-title" data-testid="import-report" className="flex flex-col gap-3">
      <h3 id="import-report-title" className="font-semibold">
        {t('leadImport.reportTitle', { file: report.file_name })}
      </h3>
      {!report.complete && <p className="text-sm text-destructive">{t('leadImport.incomplete', { done: report.chunks_done, total: report.total_chunks })}</p>}
      <dl className="grid grid-cols-3 gap-2 text-sm sm:grid-cols-6">
        {counts.map(([key, value]) => (
          <div key={key} className="rounded-md bg-muted p-2 text-center">
            <dt className="text-muted-foreground">{t(`leadImport.${key}`)}</dt>
            <dd className="text-lg font-semibold tabular-nums" data-testid={`import-${key}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      {report.invalid.length > 0 && (
        <table className="w-full text-sm" data-testid="import-problems">
          <thead>
            <tr className="text-start text-muted-foreground">
              <th className="text-start">{t('leadImport.row')}</th>
              <th className="text-start">{t('leadImport.reason')}</th>
              <th className="text-start">{t('leadImport.value')}</th>
            </tr>
          </thead>
          <tbody>
            {report.invalid.slice(0, SHOWN_PROBLEMS).map((problem) => (
              <tr key={problem.row}>
                <td className="tabular-nums">{problem.row}</td>
                <td>{t(`leadImport.reasons.${asReason(problem.reason)}`)}</td>
                <td dir="ltr" className="truncate text-start">
                  {problem.value}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.invalid.length > SHOWN_PROBLEMS && <p className="text-sm">{t('leadImport.more', { count: report.invalid.length - SHOWN_PROBLEMS })}</p>}
    </section>
  );
}
