import { useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '@/hooks/useFormat';
import { NativeSelect } from '@/components/ui/native-select';
import { Label } from '@/components/ui/label';

export interface SendAt {
  /** `YYYY-MM-DD` in the admin's zone; empty: as soon as the window allows. */
  day: string;
  /** `HH:mm` in the admin's zone. */
  time: string;
}

const DAYS_AHEAD = 365;
const STEP_MINUTES = 15;
const TIMES = Array.from({ length: (24 * 60) / STEP_MINUTES }, (_, i) => {
  const minutes = i * STEP_MINUTES;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});

function addDays(day: string, n: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/**
 * "Send at" as a day and a time in the admin's zone, worded in the UI's language (a native
 * datetime-local input would follow the browser's zone and locale instead).
 */
export function SendAtPicker({ value, onChange, describedBy }: { value: SendAt; onChange: (next: SendAt) => void; describedBy?: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const dayId = useId();
  const timeId = useId();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: format.ctx.zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(format.ctx.now);

  const days = useMemo(
    () => [
      { value: '', label: t('leads.sendAt.asap') },
      ...Array.from({ length: DAYS_AHEAD + 1 }, (_, n) => {
        const day = addDays(today, n);
        const name = format.day(day);
        return { value: day, label: n === 0 ? t('leads.sendAt.today', { day: name }) : n === 1 ? t('leads.sendAt.tomorrow', { day: name }) : name };
      }),
    ],
    [today, format, t],
  );
  const times = useMemo(() => TIMES.map((time) => ({ value: time, label: time })), []);

  return (
    <fieldset className="flex min-w-0 flex-col gap-1.5" aria-describedby={describedBy}>
      <legend className="mb-1.5 text-sm font-medium leading-none">{format.withZone(t('leads.scheduledFor'))}</legend>
      <div className="flex flex-wrap gap-2">
        <div className="flex min-w-0 flex-col gap-1">
          <Label htmlFor={dayId} className="sr-only">
            {t('leads.sendAt.day')}
          </Label>
          <NativeSelect
            id={dayId}
            data-testid="scheduled-for"
            className="w-64 max-w-full"
            value={value.day}
            options={days}
            onValueChange={(day) => onChange({ day, time: value.time })}
          />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor={timeId} className="sr-only">
            {t('leads.sendAt.time')}
          </Label>
          <NativeSelect
            id={timeId}
            data-testid="scheduled-time"
            className="w-24"
            dir="ltr"
            value={value.time}
            options={times}
            disabled={value.day === ''}
            onValueChange={(time) => onChange({ day: value.day, time })}
          />
        </div>
      </div>
    </fieldset>
  );
}
