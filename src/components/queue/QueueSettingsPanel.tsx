import { useId, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { CalendarX, Plus, Save, Trash2 } from 'lucide-react';
import { useAuth, useCanEdit } from '@/hooks/useAuth';
import { useBusinessWindow } from '@/hooks/useBusinessWindow';
import { useErrorText } from '@/hooks/useErrorText';
import { useClosedDays, useQueueSettings } from '@/hooks/useQueueSettings';
import { nowDate } from '@/lib/clock';
import { formatDate } from '@/lib/format';
import { NUMBER_FIELDS, toDraft, validateSettings, type FieldError, type NumberField, type SettingsDraft, type SettingsErrors } from '@/lib/settings';
import { WEEKDAYS, type HolidayCalendar, type QueueSettings, type Weekday } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Field, FieldMessage } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { Switch } from '@/components/ui/switch';
import { LoadErrorAlert } from './LoadErrorAlert';
import { NextWindowText } from './NextWindowText';
import { TimeZoneCombobox } from './TimeZoneCombobox';

const CALENDARS: HolidayCalendar[] = ['IL', 'none'];
const NUMBER_LABELS: Record<NumberField, 'dailyTarget' | 'maxCapacity' | 'batchSize' | 'processingDelay' | 'rateLimit' | 'retention' | 'cooldown'> = {
  daily_target: 'dailyTarget',
  max_capacity: 'maxCapacity',
  batch_size: 'batchSize',
  processing_delay_ms: 'processingDelay',
  rate_limit_per_hour: 'rateLimit',
  retention_days: 'retention',
  cooldown_days: 'cooldown',
};

function useFieldError(errors: SettingsErrors) {
  const { t } = useTranslation();
  return (key: string): string | null => {
    const error: FieldError | undefined = errors[key];
    return error ? t(`settings.validation.${error.key}`, error.params ?? {}) : null;
  };
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-border p-4">
      <legend className="px-1 font-semibold">{title}</legend>
      {children}
    </fieldset>
  );
}

/** Loads the admin's settings, then hands a fresh form the stored values. */
export function QueueSettingsPanel() {
  const { t } = useTranslation();
  const { user, membership } = useAuth();
  const { settings, stored, loading, error, save, reload } = useQueueSettings(user?.id ?? '', membership?.clientId ?? '');
  if (loading) {
    return (
      <p role="status" className="p-6 text-muted-foreground">
        {t('app.loading')}
      </p>
    );
  }
  if (error) {
    return <LoadErrorAlert error={error} onRetry={() => void reload()} />;
  }
  // A fresh form per client and per stored row: switching clients never keeps another client's draft.
  return <SettingsForm key={`${membership?.clientId ?? ''}:${stored?.timezone ?? 'defaults'}`} initial={settings} onSave={save} />;
}

function SettingsForm({ initial, onSave }: { initial: QueueSettings; onSave: (settings: QueueSettings) => Promise<unknown> }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const errorText = useErrorText();
  const canEdit = useCanEdit();
  const [draft, setDraft] = useState<SettingsDraft>(() => toDraft(initial));
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [saving, setSaving] = useState(false);
  const [newDate, setNewDate] = useState('');
  const fieldError = useFieldError(errors);
  const baseId = useId();
  const id = (name: string) => `${baseId}-${name}`;
  const year = nowDate().getFullYear();
  const { closedDays, error: closedDaysError } = useClosedDays(draft.holiday_calendar, year);

  // The preview follows the form as typed, when it is valid.
  const previewSettings = useMemo(() => validateSettings(draft).settings, [draft]);
  const preview = useBusinessWindow(previewSettings);

  const update = (patch: Partial<SettingsDraft>) => setDraft((prev) => ({ ...prev, ...patch }));
  const updateDay = (day: Weekday, patch: Partial<SettingsDraft['business_hours'][Weekday]>) =>
    setDraft((prev) => ({ ...prev, business_hours: { ...prev.business_hours, [day]: { ...prev.business_hours[day], ...patch } } }));

  const addDate = () => {
    if (!newDate) return;
    update({ closed_dates: [...draft.closed_dates, newDate] });
    setNewDate('');
  };

  const submit = async () => {
    const result = validateSettings(draft);
    setErrors(result.errors);
    if (!result.settings) {
      toast.error(t('settings.invalid'));
      return;
    }
    setSaving(true);
    try {
      await onSave(result.settings);
      toast.success(t('settings.saved'));
    } catch (failure) {
      toast.error(t('settings.saveFailed', { message: errorText(failure) }));
    } finally {
      setSaving(false);
    }
  };

  // `key` names a value in `errors`; its control gets `invalid(key)`, its Field `problem(key)`.
  const invalid = (key: string) => (errors[key] ? { 'aria-invalid': true, 'aria-describedby': id(`${key}-error`) } : {});
  const problem = (key: string) => ({ error: fieldError(key), errorId: id(`${key}-error`) });

  return (
    <Card aria-labelledby={id('title')}>
      <CardHeader>
        <CardTitle id={id('title')}>{t('settings.title')}</CardTitle>
        {!canEdit && <CardDescription>{t('settings.readOnly')}</CardDescription>}
      </CardHeader>
      <CardContent>
        <form
          className="flex flex-col gap-5"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <fieldset disabled={!canEdit || saving} className="flex flex-col gap-5">
            <Section title={t('settings.businessHours')}>
              <FieldMessage id={id('business_hours-error')} message={fieldError('business_hours')} />
              <div className="grid gap-2" role="group" aria-label={t('settings.businessHours')}>
                {WEEKDAYS.map((day) => {
                  const hours = draft.business_hours[day];
                  const dayName = t(`settings.days.${day}`);
                  return (
                    <div key={day} className="grid grid-cols-[7rem_auto] items-start gap-3 sm:grid-cols-[7rem_auto_1fr_1fr]" data-testid={`hours-${day}`}>
                      <span className="pt-2 font-medium">{dayName}</span>
                      <div className="flex items-center gap-2 pt-1.5">
                        <Switch
                          id={id(`${day}-open`)}
                          checked={hours.enabled}
                          onCheckedChange={(enabled) => updateDay(day, { enabled })}
                          aria-label={`${dayName}: ${t('settings.open')}`}
                        />
                      </div>
                      {(['start', 'end'] as const).map((edge) => (
                        <Field
                          key={edge}
                          className="gap-1"
                          htmlFor={id(`${day}-${edge}`)}
                          label={`${dayName} ${t(edge === 'start' ? 'settings.from' : 'settings.to')}`}
                          hideLabel
                          {...problem(`hours.${day}.${edge}`)}
                        >
                          <Input
                            id={id(`${day}-${edge}`)}
                            type="time"
                            value={hours[edge]}
                            disabled={!hours.enabled || !canEdit}
                            onChange={(event) => updateDay(day, { [edge]: event.target.value })}
                            {...invalid(`hours.${day}.${edge}`)}
                          />
                        </Field>
                      ))}
                    </div>
                  );
                })}
              </div>
              <Field className="max-w-sm" htmlFor={id('timezone')} label={t('settings.timezone')} {...problem('timezone')}>
                <TimeZoneCombobox
                  id={id('timezone')}
                  value={draft.timezone}
                  disabled={!canEdit || saving}
                  onChange={(timezone) => update({ timezone })}
                  errorId={errors.timezone ? id('timezone-error') : undefined}
                />
              </Field>
              <p className="text-sm" data-testid="settings-preview">
                <span className="text-muted-foreground">{t('settings.preview')}: </span>
                <span className="font-medium">
                  {previewSettings ? <NextWindowText preview={preview} timeZone={previewSettings.timezone} /> : t('settings.previewUnavailable')}
                </span>
              </p>
            </Section>

            <Section title={t('settings.holidays')}>
              <div className="grid gap-4 sm:grid-cols-3">
                <Field htmlFor={id('calendar')} label={t('settings.calendar')}>
                  <NativeSelect
                    id={id('calendar')}
                    name="holiday_calendar"
                    value={draft.holiday_calendar}
                    options={CALENDARS.map((value) => ({ value, label: t(`settings.calendars.${value}`) }))}
                    onValueChange={(holiday_calendar) => update({ holiday_calendar })}
                  />
                </Field>
                <div className="flex items-center gap-3 pt-6">
                  <Switch id={id('erev')} checked={draft.short_erev_chag} onCheckedChange={(short_erev_chag) => update({ short_erev_chag })} />
                  <Label htmlFor={id('erev')}>{t('settings.shortErevChag')}</Label>
                </div>
                <Field htmlFor={id('erev-end')} label={t('settings.erevChagEnd')} {...problem('erev_chag_end')}>
                  <Input
                    id={id('erev-end')}
                    type="time"
                    value={draft.erev_chag_end}
                    disabled={!draft.short_erev_chag || !canEdit}
                    onChange={(event) => update({ erev_chag_end: event.target.value })}
                    {...invalid('erev_chag_end')}
                  />
                </Field>
              </div>
              {draft.holiday_calendar === 'IL' && (
                <div>
                  <h4 className="mb-2 text-sm font-semibold">{t('settings.closedDays', { year })}</h4>
                  {closedDaysError ? (
                    <p className="text-sm text-destructive">{t('common.loadError', { message: closedDaysError })}</p>
                  ) : closedDays.length === 0 ? (
                    <p className="text-sm text-muted-foreground">{t('settings.noClosedDays', { year })}</p>
                  ) : (
                    <ul className="grid gap-1 text-sm sm:grid-cols-2 lg:grid-cols-3" data-testid="closed-days">
                      {closedDays.map((day) => (
                        <li key={day.day} className="flex gap-2">
                          <CalendarX className="mt-0.5 size-4 text-muted-foreground" aria-hidden="true" />
                          <span>
                            <span className="font-medium">{formatDate(day.day, lang)}</span> — {day.name}
                          </span>
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
              <div className="flex flex-col gap-2">
                <h4 className="text-sm font-semibold">{t('settings.closedDates')}</h4>
                {draft.closed_dates.length === 0 ? (
                  <p className="text-sm text-muted-foreground">{t('settings.noClosedDates')}</p>
                ) : (
                  <ul className="flex flex-col gap-1" data-testid="closed-dates">
                    {draft.closed_dates.map((date, index) => (
                      <li key={`${date}-${index}`} className="flex flex-wrap items-center gap-2 text-sm">
                        <span className="font-medium">{/^\d{4}-\d{2}-\d{2}$/.test(date) ? formatDate(date, lang, true) : date}</span>
                        <Button
                          type="button"
                          size="sm"
                          variant="ghost"
                          aria-label={t('settings.removeDate', { date })}
                          onClick={() => update({ closed_dates: draft.closed_dates.filter((_, i) => i !== index) })}
                        >
                          <Trash2 aria-hidden="true" />
                        </Button>
                        <FieldMessage id={id(`closed_dates.${index}-error`)} message={fieldError(`closed_dates.${index}`)} />
                      </li>
                    ))}
                  </ul>
                )}
                <div className="flex items-end gap-2">
                  <Field htmlFor={id('new-date')} label={t('settings.addDate')}>
                    <Input id={id('new-date')} type="date" value={newDate} onChange={(event) => setNewDate(event.target.value)} className="w-44" />
                  </Field>
                  <Button type="button" variant="outline" onClick={addDate} disabled={!newDate}>
                    <Plus aria-hidden="true" />
                    {t('settings.addDate')}
                  </Button>
                </div>
              </div>
            </Section>

            <Section title={t('settings.limits')}>
              <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {NUMBER_FIELDS.map((field) => (
                  <Field key={field} htmlFor={id(field)} label={t(`settings.${NUMBER_LABELS[field]}`)} {...problem(field)}>
                    <Input
                      id={id(field)}
                      name={field}
                      inputMode="numeric"
                      dir="ltr"
                      value={draft[field]}
                      onChange={(event) => update({ [field]: event.target.value })}
                      {...invalid(field)}
                    />
                  </Field>
                ))}
              </div>
            </Section>
          </fieldset>
          {canEdit && (
            <div className="flex justify-end">
              <Button type="submit" disabled={saving} data-testid="save-settings">
                <Save aria-hidden="true" />
                {saving ? t('common.saving') : t('common.save')}
              </Button>
            </div>
          )}
        </form>
      </CardContent>
    </Card>
  );
}
