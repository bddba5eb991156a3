import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { TIME_ZONES } from '@shared/timeZones.ts';
import { Input } from '@/components/ui/input';
import { cn } from '@/lib/utils';

const SHOWN = 50;

interface TimeZoneComboboxProps {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  disabled?: boolean;
  /** The id of the field's error message, when the form found the value invalid. */
  errorId?: string | undefined;
}

/**
 * The time zones the database and every runtime accept (scripts/gen-time-zones.ts), searchable: the WAI-ARIA combobox
 * pattern (a text input with a listbox popup; arrows move, Enter picks, Escape closes). Typed text that is not a zone
 * stays as typed, and the form's validation names it.
 */
export function TimeZoneCombobox({ id, value, onChange, disabled, errorId }: TimeZoneComboboxProps) {
  const { t } = useTranslation();
  const listId = useId();
  const hintId = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const matches = useMemo(() => {
    const needle = value.trim().toLowerCase().replaceAll(' ', '_');
    const found = needle === '' || TIME_ZONES.includes(value) ? TIME_ZONES : TIME_ZONES.filter((zone) => zone.toLowerCase().includes(needle));
    return found.slice(0, SHOWN);
  }, [value]);
  const optionId = (index: number) => `${listId}-option-${index}`;

  const pick = (zone: string) => {
    onChange(zone);
    setOpen(false);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setOpen(true);
      setActive((current) => (matches.length === 0 ? 0 : (current + step + matches.length) % matches.length));
    } else if (event.key === 'Enter' && open) {
      const zone = matches[active];
      if (zone) {
        event.preventDefault();
        pick(zone);
      }
    } else if (event.key === 'Escape') {
      setOpen(false);
    }
  };

  return (
    <div className="relative">
      <Input
        id={id}
        name="timezone"
        data-field="timezone"
        role="combobox"
        dir="ltr"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && matches[active] ? optionId(active) : undefined}
        disabled={disabled}
        value={value}
        onChange={(event) => {
          onChange(event.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={errorId ? `${errorId} ${hintId}` : hintId}
      />
      <p id={hintId} className="sr-only">
        {t('settings.timezoneHint')}
      </p>
      <ul
        id={listId}
        role="listbox"
        aria-label={t('settings.timezoneList')}
        hidden={!open}
        className="absolute z-20 mt-1 max-h-64 w-full overflow-auto rounded-md border border-border bg-card py-1 text-sm shadow-md"
      >
        {matches.length === 0 ? (
          <li role="presentation" className="px-3 py-2 text-muted-foreground">
            {t('settings.timezoneNoMatch')}
          </li>
        ) : (
          matches.map((zone, index) => (
            <li
              key={zone}
              id={optionId(index)}
              role="option"
              dir="ltr"
              aria-selected={zone === value}
              className={cn('cursor-pointer px-3 py-1.5 text-start', index === active && 'bg-muted', zone === value && 'font-semibold')}
              // Picked before the input's blur closes the list.
              onMouseDown={(event) => {
                event.preventDefault();
                pick(zone);
              }}
            >
              {zone}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}
