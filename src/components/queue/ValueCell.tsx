import { useTranslation } from 'react-i18next';
import { TableCell } from '@/components/ui/table';
import { cn } from '@/lib/utils';

const RTL_LETTER = /[\p{Script=Hebrew}\p{Script=Arabic}]/u;

/** The direction a value reads in: that of its first letter; none (a phone, digits) reads left to right. */
function valueDirection(value: string): 'ltr' | 'rtl' {
  const letter = /\p{L}/u.exec(value)?.[0];
  return letter && RTL_LETTER.test(letter) ? 'rtl' : 'ltr';
}

/**
 * A file's value in a narrow column, in its own direction (`ltr` forced for phones and addresses). A value that fits
 * sits where the column's header starts; one too long shrinks to the cell and is cut at its own end, never its start:
 * the value is a flex item pushed to the header's side, so it is the item, not the line, that overflows.
 */
export function ValueCell({ value, dir, className, testId }: { value?: string | null; dir?: 'ltr'; className?: string; testId?: string }) {
  const { i18n } = useTranslation();
  const text = value ?? '';
  const reads = dir ?? valueDirection(text);
  return (
    <TableCell title={text || undefined} className={className}>
      <div dir={reads} className={cn('flex', reads === i18n.dir() ? 'justify-start' : 'justify-end')}>
        <bdi className="min-w-0 truncate" data-testid={testId}>
          {text}
        </bdi>
      </div>
    </TableCell>
  );
}
