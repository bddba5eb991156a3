import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { Save } from 'lucide-react';
import { useAuth, useCanEdit } from '@/hooks/useAuth';
import { useErrorText } from '@/hooks/useErrorText';
import { useNavigationGuard } from '@/hooks/useNavigationGuard';
import { useOutlook } from '@/hooks/useOutlook';
import { useQueueScope } from '@/hooks/useQueueScope';
import { useProcessorDefaults } from '@/hooks/useProcessorDefaults';
import { NUMBER_FIELDS, OPTIONAL_FIELDS, toDraft, validateSettings, type FieldError, type NumberField, type SettingsDraft, type SettingsErrors } from '@/lib/settings';
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
import { SettingsHolidays } from './SettingsHolidays';
import { TimeZoneCombobox } from './TimeZoneCombobox';

const CALENDARS: HolidayCalendar[] = ['IL', 'none'];
const NUMBER_LABELS: Record<NumberField, 'dailyTarget' | 'maxCapacity' | 'batchSize' | 'processingDelay' | 'rateLimit' | 'retention'> = {
  daily_target: 'dailyTarget',
  max_capacity: 'maxCapacity',
  batch_size: 'batchSize',
  processing_delay_ms: 'processingDelay',
  rate_limit_per_hour: 'rateLimit',
  retention_days: 'retention',
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
    <fieldset className="flex min-w-0 flex-col gap-3 rounded-md border border-border p-4">
      <legend className="px-1 font-semibold">{title}</legend>
      {children}
    </fieldset>
  );
}

/** The shown admin's settings: a form for an admin's own, read-only for a manager, a hint for the client's total. */
export function QueueSettingsPanel() {
  const { t } = useTranslation();
  const { admins, adminId, settings: picked, loading, error, reload, save } = useQueueScope();
  const clientId = useAuth().membership?.clientId ?? '';
  // A client with one admin has nothing to pick: the total is that admin's queue.
  const only = adminId === null && admins.length === 1 ? admins[0] : undefined;
  const settings = picked ?? only?.settings ?? null;
  const owner = adminId ?? only?.userId ?? null;
  if (loading && !settings) {
    return (
      <p role="status" className="p-6 text-muted-foreground">
        {t('app.loading')}
      </p>
    );
  }
  if (error && !settings) return <LoadErrorAlert error={error} onRetry={() => void reload()} />;
  if (!settings || owner === null) {
    return (
      <p className="rounded-md border border-border bg-card p-6 text-muted-foreground" data-testid="settings-pick-admin">
        {t('settings.pickAdmin')}
      </p>
    );
  }
  // A fresh form per client and per admin: switching clients never keeps another client's draft.
  return <SettingsForm key={`${clientId}:${owner}`} initial={settings} onSave={save} />;
}

function SettingsForm({ initial, onSave }: { initial: QueueSettings; onSave: (settings: QueueSettings) => Promise<unknown> }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const canEdit = useCanEdit();
  const [draft, setDraft] = useState<SettingsDraft>(() => toDraft(initial));
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  const fieldError = useFieldError(errors);
  const baseId = useId();
  const id = (name: string) => `${baseId}-${name}`;
  const serverDefaults = useProcessorDefaults();

  // Unsaved changes hold back tab switches, links, signing out and reloads until the user chooses (NavigationGuardProvider).
  const { setDirty } = useNavigationGuard();
  const dirty = canEdit && JSON.stringify(draft) !== JSON.stringify(toDraft(initial));
  useEffect(() => setDirty(dirty), [dirty, setDirty]);
  useEffect(() => () => setDirty(false), [setDirty]);

  // The preview and the holiday list follow the form as typed, when it is valid.
  const previewSettings = useMemo(() => validateSettings(draft).settings, [draft]);
  const preview = useOutlook(useMemo(() => (previewSettings ? [{ settings: previewSettings, depth: 0 }] : null), [previewSettings]));

  const update = (patch: Partial<SettingsDraft>) => setDraft((prev) => ({ ...prev, ...patch }));
  const updateDay = (day: Weekday, patch: Partial<SettingsDraft['business_hours'][Weekday]>) =>
    setDraft((prev) => ({ ...prev, business_hours: { ...prev.business_hours, [day]: { ...prev.business_hours[day], ...patch } } }));

  const submit = async () => {
    const result = validateSettings(draft);
    flushSync(() => setErrors(result.errors));
    if (!result.settings) {
      // The first problem in reading order takes the focus, so the keyboard and the screen reader land on it.
      const keys = new Set(Object.keys(result.errors));
      const first = [...(formRef.current?.querySelectorAll<HTMLElement>('[data-field]') ?? [])].find((element) => keys.has(element.dataset.field ?? ''));
      first?.focus();
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
      saveRef.current?.focus();
    }
  };

  // `key` names a value in `errors`; its control gets `invalid(key)`, its Field `problem(key)`.
  const invalid = (key: string) => ({ 'data-field': key, ...(errors[key] ? { 'aria-invalid': true, 'aria-describedby': id(`${key}-error`) } : {}) });
  const problem = (key: string) => ({ error: fieldError(key), errorId: id(`${key}-error`) });

  return (
    <Card aria-labelledby={id('title')}>
      <CardHeader>
        <CardTitle id={id('title')}>{t('settings.title')}</CardTitle>
        {!canEdit && <CardDescription>{t('settings.readOnly')}</CardDescription>}
      </CardHeader>
      <CardContent>
        <form
          ref={formRef}
          className="flex flex-col gap-5"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <fieldset disabled={!canEdit || saving} className="flex min-w-0 flex-col gap-5">
            <Section title={t('settings.businessHours')}>
              <FieldMessage id={id('business_hours-error')} message={fieldError('business_hours')} />
              <div className="grid gap-2" role="group" aria-label={t('settings.businessHours')}>
                {WEEKDAYS.map((day, index) => {
                  const hours = draft.business_hours[day];
                  const dayName = t(`settings.days.${day}`);
                  return (
                    <div key={day} className="grid grid-cols-[6rem_auto] items-start gap-3 sm:grid-cols-[7rem_auto_1fr_1fr]" data-testid={`hours-${day}`}>
                      <span className="pt-2 font-medium">{dayName}</span>
                      <div className="flex items-center gap-2 pt-1.5">
                        <Switch
                          id={id(`${day}-open`)}
                          checked={hours.enabled}
                          onCheckedChange={(enabled) => updateDay(day, { enabled })}
                          aria-label={`${dayName}: ${t('settings.open')}`}
                          {...(index === 0 ? invalid('business_hours') : {})}
                        />
                      </div>
                      {(['start', 'end'] as const).map((edge) => (
                        <Field
                          key={edge}
                          className="gap-1 max-sm:col-span-2"
                          htmlFor={id(`${day}-${edge}`)}
                          label={`${dayName} ${t(edge === 'start' ? 'settings.from' : 'settings.to')}`}
                          hideLabel
                          {...problem(`hours.${day}.${edge}`)}
                        >
                          <Input
                            id={id(`${day}-${edge}`)}
                            type="time"
                            dir="ltr"
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
                <span className="font-medium">{previewSettings ? <NextWindowText outlook={preview} /> : t('settings.previewUnavailable')}</span>
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
                <div className="flex items-center gap-3 sm:pt-6">
                  <Switch id={id('erev')} checked={draft.short_erev_chag} onCheckedChange={(short_erev_chag) => update({ short_erev_chag })} />
                  <Label htmlFor={id('erev')}>{t('settings.shortErevChag')}</Label>
                </div>
                <Field htmlFor={id('erev-end')} label={t('settings.erevChagEnd')} {...problem('erev_chag_end')}>
                  <Input
                    id={id('erev-end')}
                    type="time"
                    dir="ltr"
                    value={draft.erev_chag_end}
                    disabled={!draft.short_erev_chag || !canEdit}
                    onChange={(event) => update({ erev_chag_end: event.target.value })}
                    {...invalid('erev_chag_end')}
                  />
                </Field>
              </div>
              <SettingsHolidays draft={draft} settings={previewSettings} onDatesChange={(closed_dates) => update({ closed_dates })} fieldError={fieldError} id={id} />
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
                      placeholder={OPTIONAL_FIELDS.includes(field) && serverDefaults ? String(serverDefaults[field as keyof typeof serverDefaults]) : undefined}
                      onChange={(event) => update({ [field]: event.target.value })}
                      {...invalid(field)}
                    />
                    {OPTIONAL_FIELDS.includes(field) && (
                      <p className="text-sm text-muted-foreground" data-testid={`default-${field}`}>
                        {draft[field].trim() === ''
                          ? t('settings.serverDefault', { value: serverDefaults ? serverDefaults[field as keyof typeof serverDefaults] : '…' })
                          : t('settings.ownValue')}
                      </p>
                    )}
                  </Field>
                ))}
              </div>
            </Section>
          </fieldset>
          {canEdit && (
            <div className="flex justify-end">
              <Button ref={saveRef} type="submit" disabled={saving} data-testid="save-settings">
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
