import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import type { AdminStatus, QueueStatus } from '@/types/queue';
import { Table, TableBody, TableCell, TableFooter, TableHead, TableHeader, TableRow } from '@/components/ui/table';

const COLUMNS = ['depth', 'sent24h', 'failed24h', 'successRate'] as const;
type Column = (typeof COLUMNS)[number];

function useCell() {
  const { t } = useTranslation();
  const format = useFormat();
  const dash = t('common.none');
  return (row: QueueStatus, column: Column): string => {
    if (column === 'depth') return format.number(row.depth);
    if (column === 'sent24h') return format.number(row.sent_24h);
    if (column === 'failed24h') return format.number(row.failed_24h);
    return format.percent(row.success_rate) ?? dash;
  };
}

/** An address reads left to right: cut at its end, placed at the column's start. */
function AdminName({ row }: { row: AdminStatus }) {
  const { t } = useTranslation();
  return (
    <span dir={row.email ? 'ltr' : undefined} title={row.email ?? undefined} className="inline-block max-w-full truncate align-bottom sm:max-w-48">
      {row.email ?? t('metrics.formerAdmin')}
    </span>
  );
}

/**
 * Each admin's numbers, counted as the cards count them, and the client's total: a table on wider
 * screens, one small card per admin on phones.
 */
export function AdminNumbers({ admins, total }: { admins: AdminStatus[]; total: QueueStatus | null }) {
  const { t } = useTranslation();
  const cell = useCell();
  const showTotal = total !== null && admins.length > 1;
  return (
    <>
      <p className="pb-2 text-xs text-muted-foreground" id="performance-counted">
        {t('metrics.performanceCounted')}
      </p>
      <div className="max-sm:hidden">
        <Table data-testid="performance-table" aria-describedby="performance-counted">
          <TableHeader>
            <TableRow>
              {(['user', ...COLUMNS] as const).map((key) => (
                <TableHead key={key} scope="col">
                  {t(`metrics.${key}`)}
                </TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {admins.map((row) => (
              <TableRow key={row.user_id} data-testid="performance-row">
                <TableCell className="max-w-48">
                  <AdminName row={row} />
                </TableCell>
                {COLUMNS.map((column) => (
                  <TableCell key={column} className="tabular-nums">
                    {cell(row, column)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
          {showTotal && (
            <TableFooter>
              <TableRow data-testid="performance-total">
                <TableHead scope="row">{t('metrics.clientTotal')}</TableHead>
                {COLUMNS.map((column) => (
                  <TableCell key={column} className="tabular-nums">
                    {cell(total, column)}
                  </TableCell>
                ))}
              </TableRow>
            </TableFooter>
          )}
        </Table>
      </div>
      <ul className="flex flex-col gap-2 sm:hidden" data-testid="performance-cards">
        {[...admins.map((row) => ({ key: row.user_id, name: <AdminName row={row} />, row })), ...(showTotal ? [{ key: 'total', name: t('metrics.clientTotal'), row: total }] : [])].map(
          ({ key, name, row }) => (
            <li key={key} className="rounded-md border border-border p-3">
              <p className="font-medium">{name}</p>
              <dl className="mt-1 grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
                {COLUMNS.map((column) => (
                  <div key={column} className="flex justify-between gap-2">
                    <dt className="text-muted-foreground">{t(`metrics.${column}`)}</dt>
                    <dd className="tabular-nums">{cell(row, column)}</dd>
                  </div>
                ))}
              </dl>
            </li>
          ),
        )}
      </ul>
    </>
  );
}
