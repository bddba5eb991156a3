import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import { Upload } from 'lucide-react';
import { useErrorText } from '@/hooks/useErrorText';
import { useLeadImport, type ImportPhase } from '@/hooks/useLeadImport';
import { mappingProblem } from '@/lib/leadImport';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { ImportMapping } from './ImportMapping';
import { ImportReport } from './ImportReport';

/** Import leads from a CSV or XLSX file: parse off the main thread, check the columns, write in chunks, show the server's report. */
export function LeadImportDialog({ clientId, region, onImported }: { clientId: string; region: string; onImported: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const errorText = useErrorText();
  const { phase, read, remap, confirm, reset } = useLeadImport(clientId, region);
  const [file, setFile] = useState<File | null>(null);
  const [open, setOpen] = useState(false);
  const fileId = useId();
  const busy = phase.step === 'parsing' || phase.step === 'building' || phase.step === 'uploading';

  const readFile = async () => {
    if (file) await read(file);
  };

  const start = async () => {
    if (phase.step !== 'mapping') return;
    await confirm(phase.file, phase.mapping);
    onImported();
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
      <DialogContent closeLabel={t('common.close')} className="max-w-3xl">
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
              onChange={(event) => {
                setFile(event.target.files?.[0] ?? null);
                reset();
              }}
            />
          </Field>
        )}
        {phase.step === 'mapping' && <ImportMapping preview={phase.preview} mapping={phase.mapping} onChange={remap} />}
        <ImportProgress phase={phase} />
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
          {phase.step === 'mapping' ? (
            <Button data-testid="import-start" disabled={mappingProblem(phase.mapping) !== null} onClick={() => void start()}>
              {t('leadImport.start', { count: phase.preview.totalRows - phase.preview.blankRows, rows: format.number(phase.preview.totalRows - phase.preview.blankRows) })}
            </Button>
          ) : (
            phase.step !== 'done' && (
              <Button data-testid="import-read" disabled={!file || busy} onClick={() => void readFile()}>
                {t('leadImport.read')}
              </Button>
            )
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

/** Where the import is: rows read so far, then the parts written out of all, as a bar. */
function ImportProgress({ phase }: { phase: ImportPhase }) {
  const { t } = useTranslation();
  const format = useFormat();
  const text =
    phase.step === 'parsing'
      ? t('leadImport.parsing', { rows: format.number(phase.rows) })
      : phase.step === 'building'
        ? t('leadImport.building')
        : phase.step === 'uploading'
          ? t('leadImport.uploading', { done: phase.done, total: phase.total })
          : '';
  return (
    <div className="flex flex-col gap-1.5">
      <p role="status" className="text-sm text-muted-foreground" data-testid="import-progress">
        {text}
      </p>
      {phase.step === 'uploading' && (
        <div
          role="progressbar"
          aria-label={t('leadImport.progress')}
          aria-valuemin={0}
          aria-valuemax={phase.total}
          aria-valuenow={phase.done}
          className="h-2 w-full overflow-hidden rounded-full bg-muted"
        >
          <div className="h-full bg-primary transition-[width]" style={{ width: `${(100 * phase.done) / Math.max(phase.total, 1)}%` }} />
        </div>
      )}
    </div>
  );
}
