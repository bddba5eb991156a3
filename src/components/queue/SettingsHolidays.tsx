import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CalendarClock, CalendarX, Plus, Trash2 } from 'lucide-react';
import { useFormat } from '@/hooks/useFormat';
import { useUpcomingHolidays } from '@/hooks/useOutlook';
import type { CalendarDay } from '@/lib/businessWindows';
import { holidayName } from '@/lib/holidayNames';
import { isValidDate, type SettingsDraft } from '@/lib/settings';
import type { QueueSettings } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Field, FieldMessage } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

/** What the rules make of one holiday or eve, in words. */
function DayRule({ day }: { day: CalendarDay }) {
  const { t, i18n } = useTranslation();
  const name = holidayName(day.holiday, i18n.language);
  if (day.kind === 'holiday') return <>{t('settings.holidayClosed', { name })}</>;
  if (!day.hours) return <>{t('settings.eveClosed', { name })}</>;
  return <>{t('settings.eveOpen', { name, start: day.hours.start, end: day.hours.end })}</>;
}

interface SettingsHolidaysProps {
  draft: SettingsDraft;
  /** The draft as valid settings (null while it is not): the list follows the rules as typed. */
  settings: QueueSettings | null;
  onDatesChange: (dates: string[]) => void;
  fieldError: (key: string) => string | null;
  id: (name: string) => string;
}

/** The next twelve months of Israeli holidays and eves as the rules treat them, and the admin's own closed dates. */
export function SettingsHolidays({ draft, settings, onDatesChange, fieldError, id }: SettingsHolidaysProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const [newDate, setNewDate] = useState('');
  const days = useUpcomingHolidays(settings);

  const addDate = () => {
    if (!newDate) return;
    onDatesChange([...draft.closed_dates, newDate]);
    setNewDate('');
  };

  return (
    <>
      {draft.holiday_calendar === 'IL' && (
        <div>
          <h4 className="mb-2 text-sm font-semibold">{t('settings.closedDays')}</h4>
          {days === null ? (
            <p className="text-sm text-muted-foreground">{settings ? t('app.loading') : t('settings.previewUnavailable')}</p>
          ) : days.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t('settings.noClosedDays')}</p>
          ) : (
            <ul className="grid gap-1 text-sm sm:grid-cols-2 lg:grid-cols-3" data-testid="closed-days">
              {days.map((day) => {
                const Icon = day.kind === 'holiday' ? CalendarX : CalendarClock;
                return (
                  <li key={day.date} className="flex gap-2" data-kind={day.kind} data-date={day.date}>
                    <Icon className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
                    <span>
                      <span className="font-medium">{format.day(day.date)}</span> — <DayRule day={day} />
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
      <div className="flex flex-col gap-2">
        <h4 className="text-sm font-semibold">{t('settings.closedDates')}</h4>
        <FieldMessage id={id('closed_dates-error')} message={fieldError('closed_dates')} />
        {draft.closed_dates.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t('settings.noClosedDates')}</p>
        ) : (
          <ul className="flex flex-col gap-1" data-testid="closed-dates">
            {draft.closed_dates.map((date, index) => {
              const shown = isValidDate(date) ? format.day(date) : date;
              const error = fieldError(`closed_dates.${index}`);
              return (
                <li key={`${date}-${index}`} className="flex flex-wrap items-center gap-2 text-sm">
                  <span className="font-medium">{shown}</span>
                  <Button
                    type="button"
                    size="sm"
                    variant="ghost"
                    data-field={`closed_dates.${index}`}
                    aria-label={t('settings.removeDate', { date: shown })}
                    aria-describedby={error ? id(`closed_dates.${index}-error`) : undefined}
                    onClick={() => onDatesChange(draft.closed_dates.filter((_, i) => i !== index))}
                  >
                    <Trash2 aria-hidden="true" />
                  </Button>
                  <FieldMessage id={id(`closed_dates.${index}-error`)} message={error} />
                </li>
              );
            })}
          </ul>
        )}
        <div className="flex flex-wrap items-end gap-2">
          <Field htmlFor={id('new-date')} label={t('settings.addDate')}>
            <Input id={id('new-date')} type="date" value={newDate} onChange={(event) => setNewDate(event.target.value)} className="w-44" />
          </Field>
          <Button type="button" variant="outline" onClick={addDate} disabled={!newDate}>
            <Plus aria-hidden="true" />
            {t('settings.addDate')}
          </Button>
        </div>
      </div>
    </>
  );
}
