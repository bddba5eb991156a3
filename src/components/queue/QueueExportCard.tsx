import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Download } from 'lucide-react';
import { useErrorText } from '@/hooks/useErrorText';
import { useQueueExport } from '@/hooks/useQueueExport';
import { nowDate } from '@/lib/clock';
import { downloadBlob } from '@/lib/download';
import { QUEUE_STATUSES, type QueueItemStatus } from '@/types/queue';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { NativeSelect } from '@/components/ui/native-select';

// The browser's calendar day, as the range below reads `from` and `to` (local midnights): UTC's date is a day off
// around midnight, and the items of the last hours of the day would fall out of the default range.
const localDay = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
const daysAgo = (days: number) => {
  const date = nowDate();
  date.setDate(date.getDate() - days);
  return localDay(date);
};

/** Queue results as CSV for a creation date range and a status; what is in it is what RLS lets this user see. */
export function QueueExportCard({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { run, rows, error, busy } = useQueueExport();
  const [from, setFrom] = useState(daysAgo(30));
  const [to, setTo] = useState(daysAgo(0));
  const [status, setStatus] = useState<QueueItemStatus | 'all'>('all');
  const ids = { from: useId(), to: useId(), status: useId() };

  const onExport = async () => {
    // Whole local days: from the start of `from` to the end of `to`.
    const end = new Date(`${to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    const blob = await run({ clientId, from: new Date(`${from}T00:00:00`).toISOString(), to: end.toISOString(), status });
    if (blob) downloadBlob(blob, `queue-export-${from}-${to}.csv`);
  };

  return (
    <Card aria-labelledby="export-title">
      <CardHeader>
        <CardTitle id="export-title">{t('leadExport.title')}</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-wrap items-end gap-3">
        <Field htmlFor={ids.from} label={t('leadExport.from')}>
          <Input id={ids.from} type="date" data-testid="export-from" value={from} onChange={(event) => setFrom(event.target.value)} />
        </Field>
        <Field htmlFor={ids.to} label={t('leadExport.to')}>
          <Input id={ids.to} type="date" data-testid="export-to" value={to} onChange={(event) => setTo(event.target.value)} />
        </Field>
        <Field htmlFor={ids.status} label={t('leadExport.status')}>
          <NativeSelect
            id={ids.status}
            data-testid="export-status"
            value={status}
            options={[{ value: 'all' as const, label: t('leadExport.all') }, ...QUEUE_STATUSES.map((value) => ({ value, label: t(`queue.status.${value}`) }))]}
            onValueChange={setStatus}
          />
        </Field>
        <Button data-testid="export-button" disabled={busy || !from || !to} onClick={() => void onExport()}>
          <Download aria-hidden="true" />
          {t('leadExport.download')}
        </Button>
        <p role="status" className="basis-full text-sm text-muted-foreground" data-testid="export-status-text">
          {rows !== null && (busy ? t('leadExport.exporting', { count: rows }) : t('leadExport.done', { count: rows }))}
        </p>
        {error && (
          <Alert variant="destructive" className="basis-full">
            <AlertDescription>{errorText(error)}</AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
