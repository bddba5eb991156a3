import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { mappingProblem, type ColumnMapping, type ImportField, type ImportPreview } from '@/lib/leadImport';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { NativeSelect } from '@/components/ui/native-select';
import { Table, TableBody, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { ValueCell } from './ValueCell';

const FIELDS: ImportField[] = ['name', 'firstName', 'lastName', 'phone', 'email', 'tags', 'optedOut'];
const SHOWN: ImportField[] = ['name', 'phone', 'email', 'tags', 'optedOut'];
const NONE = 'none';
// Values with no strong letter of their own (+972…, digits, an address): left to right in any language.
const LATIN: ReadonlySet<ImportField> = new Set(['phone', 'email']);

/** The guessed columns, each changeable, and the file's first rows read through them. */
export function ImportMapping({ preview, mapping, onChange }: { preview: ImportPreview; mapping: ColumnMapping; onChange: (mapping: ColumnMapping) => void }) {
  const { t } = useTranslation();
  const baseId = useId();
  const problem = mappingProblem(mapping);
  const options = [
    { value: NONE, label: t('leadImport.notInFile') },
    ...preview.headers.map((header, index) => ({ value: String(index), label: header || t('leadImport.columnNumber', { number: index + 1 }) })),
  ];
  const cell = (cells: string[], field: ImportField) => {
    const at = (f: ImportField) => (mapping[f] === undefined ? '' : (cells[mapping[f]] ?? ''));
    return field === 'name' ? at('name') || [at('firstName'), at('lastName')].filter(Boolean).join(' ') : at(field);
  };
  return (
    <section aria-labelledby={`${baseId}-columns`} className="flex min-w-0 flex-col gap-3" data-testid="import-mapping">
      <h3 id={`${baseId}-columns`} className="font-semibold">
        {t('leadImport.columns', { count: preview.totalRows - preview.blankRows })}
      </h3>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {FIELDS.map((field) => (
          <Field key={field} htmlFor={`${baseId}-${field}`} label={t(`leadImport.fields.${field}`)}>
            <NativeSelect
              id={`${baseId}-${field}`}
              data-testid={`import-map-${field}`}
              value={mapping[field] === undefined ? NONE : String(mapping[field])}
              options={options}
              onValueChange={(value) => onChange({ ...mapping, [field]: value === NONE ? undefined : Number(value) })}
            />
          </Field>
        ))}
      </div>
      {problem && (
        <Alert variant="destructive" data-testid="import-mapping-problem">
          <AlertDescription>{t(`leadImport.problems.${problem}`)}</AlertDescription>
        </Alert>
      )}
      <h3 className="font-semibold">{t('leadImport.preview')}</h3>
      {/* Fixed columns that truncate: on a phone the preview fits instead of scrolling sideways. */}
      <Table data-testid="import-preview" className="table-fixed">
        <TableHeader>
          <TableRow>
            {SHOWN.map((field) => (
              <TableHead key={field} className="truncate px-1.5 sm:px-3">
                {t(`leadImport.fields.${field}`)}
              </TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {preview.sample.map((cells, index) => (
            <TableRow key={index}>
              {SHOWN.map((field) => (
                <ValueCell key={field} value={cell(cells, field)} dir={LATIN.has(field) ? 'ltr' : undefined} className="px-1.5 sm:px-3" />
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </section>
  );
}
