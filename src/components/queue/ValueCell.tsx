import { useTranslation } from 'react-i18next';
import { TableCell } from '@/components/ui/table';
import { cn } from '@/lib/utils';

/**
 * A file's value in a narrow column. The cell takes the value's own direction (`ltr` for a phone or an address, which
 * have no strong letter to tell; `auto` otherwise), so a value too long for it is cut at its end, never at its start;
 * a value that fits still sits where the column's header starts (the right, in Hebrew).
 */
export function ValueCell({ value, dir = 'auto', className, testId }: { value?: string | null; dir?: 'ltr' | 'auto'; className?: string; testId?: string }) {
  const { i18n } = useTranslation();
  return (
    <TableCell dir={dir} title={value || undefined} className={cn('truncate', i18n.dir() === 'rtl' ? 'text-right' : 'text-left', className)}>
      <bdi data-testid={testId}>{value}</bdi>
    </TableCell>
  );
}
