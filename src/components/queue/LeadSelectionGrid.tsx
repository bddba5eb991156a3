import { useCallback, useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fromZonedTime } from 'date-fns-tz';
import { toast } from 'sonner';
import { Search, Send, X } from 'lucide-react';
import { MAX_LEADS_PER_REQUEST } from '@shared/settingsDefaults.ts';
import { describeWarning, useErrorText } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { useLeads, useQueueLeads } from '@/hooks/useLeads';
import { useOptionalQueueScope } from '@/hooks/useQueueScope';
import { useOptionalQueueStatus } from '@/hooks/useQueueStatus';
import { clock, nowIso } from '@/lib/clock';
import { holidayName } from '@/lib/holidayNames';
import { filterLeads, isQueueable } from '@/lib/leadFilter';
import { PRIORITIES, type LeadFilter, type QueuePriority } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { NativeSelect } from '@/components/ui/native-select';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { LeadRows } from './LeadRows';
import { LoadErrorAlert } from './LoadErrorAlert';
import { SendAtPicker, type SendAt } from './SendAtPicker';
import { SpreadDialog } from './SpreadDialog';

const FILTERS: LeadFilter[] = ['all', 'never_contacted', 'in_queue', 'opted_out'];

/** The client's leads: search, filter, select (also all filtered) and queue them with a priority and a time. */
export function LeadSelectionGrid({ clientId, readOnly = false }: { clientId: string; readOnly?: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const errorText = useErrorText({ holidayName: useCallback((name: string) => holidayName(name, lang), [lang]) });
  const format = useFormat();
  const { leads, activeLeadIds, loading, error, reload } = useLeads(clientId);
  const scope = useOptionalQueueScope();
  const settings = scope?.settings ?? null;
  const queueLeads = useQueueLeads(settings);
  const paused = useOptionalQueueStatus()?.queueStatus?.processing_state === 'paused';
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<LeadFilter>('all');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [priority, setPriority] = useState<QueuePriority>('normal');
  const [sendAt, setSendAt] = useState<SendAt>({ day: '', time: '09:00' });
  const [busy, setBusy] = useState(false);
  const [spreading, setSpreading] = useState<{ leadIds: string[]; from: string } | null>(null);
  const deferredSearch = useDeferredValue(search);
  const gridRef = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), filter: useId(), priority: useId(), whenHint: useId(), whenPast: useId(), tooMany: useId() };

  const rows = useMemo(() => filterLeads(leads, activeLeadIds, deferredSearch, filter), [leads, activeLeadIds, deferredSearch, filter]);
  const selectableRows = useMemo(() => rows.filter((lead) => isQueueable(lead, activeLeadIds)), [rows, activeLeadIds]);
  // Only leads still queueable count: one that went into the queue meanwhile drops out of the selection.
  const selectedIds = useMemo(
    () => leads.filter((lead) => selected.has(lead.id) && isQueueable(lead, activeLeadIds)).map((lead) => lead.id),
    [leads, selected, activeLeadIds],
  );
  // Selected leads the search or filter hides are still selected: say how many, so nothing is queued unseen.
  const hiddenCount = useMemo(() => {
    const shown = new Set(rows.map((lead) => lead.id));
    return selectedIds.filter((id) => !shown.has(id)).length;
  }, [rows, selectedIds]);
  const allSelected = selectableRows.length > 0 && selectableRows.every((lead) => selected.has(lead.id));
  const someSelected = !allSelected && selectableRows.some((lead) => selected.has(lead.id));
  const tooMany = selectedIds.length > MAX_LEADS_PER_REQUEST;
  const sendAtIso = sendAt.day ? fromZonedTime(`${sendAt.day}T${sendAt.time}:00`, format.ctx.zone).toISOString() : null;
  // A chosen time already gone is refused here, not silently sent now (the picker's minute has passed as well).
  const whenPast = sendAtIso !== null && Date.parse(sendAtIso) < clock() - 60_000;

  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const toggleAll = (on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const lead of selectableRows) {
        if (on) next.add(lead.id);
        else next.delete(lead.id);
      }
      return next;
    });

  const submit = async (leadIds: string[], scheduledFor: string, deferToNextWindow = false) => {
    setBusy(true);
    const outcome = await queueLeads({ leadIds, priority, scheduledFor, clientId, ...(deferToNextWindow ? { deferToNextWindow } : {}) });
    setBusy(false);
    if (outcome.ok) {
      const { queued, skipped, warning } = outcome.result;
      const skippedCount = skipped.duplicates + skipped.optedOut + skipped.unknown;
      const details = [
        deferToNextWindow ? t('leads.goesAt', { when: format.withZone(format.dateTime(scheduledFor) ?? '') }) : null,
        paused ? t('leads.pausedNote') : null,
        warning ? describeWarning(warning, t) : null,
        skippedCount > 0 ? t('leads.skipped', { count: skippedCount }) : null,
      ];
      toast.success(t('leads.added', { count: queued }), { description: details.filter(Boolean).join(' · ') || undefined });
      added();
      return;
    }
    const nextWindow = outcome.error.details.nextWindow;
    // Over today's capacity: offer to spread the batch over the coming open days instead.
    const spread = outcome.error.code === 'capacity_exceeded' ? { label: t('leads.spread.action'), onClick: () => setSpreading({ leadIds, from: scheduledFor }) } : undefined;
    toast.error(errorText(outcome.error), {
      description: nextWindow ? t('leads.nextWindowAt', { when: format.withZone(format.dateTime(nextWindow.start) ?? '') }) : undefined,
      action: nextWindow ? { label: t('leads.nextWindow'), onClick: () => void submit(leadIds, nextWindow.start, true) } : spread,
      duration: nextWindow || spread ? 20_000 : undefined,
    });
  };

  const added = () => {
    setSelected(new Set());
    setSendAt({ day: '', time: '09:00' });
    // The button the user pressed is now disabled: the list they were choosing from takes the focus.
    gridRef.current?.focus();
  };

  const onQueue = () => {
    if (whenPast) return;
    void submit(selectedIds, sendAtIso ?? nowIso());
  };

  return (
    <Card aria-labelledby="leads-title">
      <CardHeader className="gap-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <CardTitle id="leads-title">{t('leads.title')}</CardTitle>
          <div className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
            <span data-testid="lead-count" aria-live="polite">
              {t('leads.count', { count: rows.length })}
              {!readOnly && selectedIds.length > 0 && ` · ${t('leads.selected', { count: selectedIds.length })}`}
              {!readOnly && hiddenCount > 0 && ` ${t('leads.selectedHidden', { count: hiddenCount })}`}
            </span>
            {!readOnly && selectedIds.length > 0 && (
              <Button size="sm" variant="ghost" data-testid="clear-selection" onClick={() => setSelected(new Set())}>
                <X aria-hidden="true" />
                {t('leads.clearSelection')}
              </Button>
            )}
          </div>
        </div>
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[2fr_1fr]">
          <Field htmlFor={ids.search} label={t('leads.search')}>
            <div className="relative">
              <Search className="pointer-events-none absolute start-3 top-3 size-4 text-muted-foreground" aria-hidden="true" />
              <Input
                id={ids.search}
                type="search"
                data-testid="lead-search"
                className="ps-9"
                placeholder={t('leads.searchPlaceholder')}
                value={search}
                onChange={(event) => setSearch(event.target.value)}
              />
            </div>
          </Field>
          <Field htmlFor={ids.filter} label={t('leads.filter')}>
            <NativeSelect
              id={ids.filter}
              data-testid="lead-filter"
              value={filter}
              options={FILTERS.map((value) => ({ value, label: t(`leads.filters.${value}`) }))}
              onValueChange={setFilter}
            />
          </Field>
        </div>
        {!readOnly && (
          <div className="flex flex-wrap items-end gap-3 rounded-md bg-muted p-3">
            <Field className="min-w-40" htmlFor={ids.priority} label={t('queue.priority.label')}>
              <Select value={priority} onValueChange={(value) => setPriority(PRIORITIES.find((known) => known === value) ?? 'normal')}>
                <SelectTrigger id={ids.priority} data-testid="priority-select" className="w-40">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {PRIORITIES.map((value) => (
                    <SelectItem key={value} value={value} data-testid={`priority-${value}`}>
                      {t(`queue.priority.${value}`)}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
            <SendAtPicker value={sendAt} onChange={setSendAt} describedBy={ids.whenHint} />
            <p id={ids.whenHint} className="basis-full text-xs text-muted-foreground sm:order-last">
              {t('leads.scheduledHint')}
            </p>
            {whenPast && (
              <p id={ids.whenPast} role="alert" className="basis-full text-sm font-medium text-destructive sm:order-last" data-testid="send-at-past">
                {t('leads.whenPast')}
              </p>
            )}
            {tooMany && (
              <p id={ids.tooMany} role="alert" className="basis-full text-sm font-medium text-destructive sm:order-last" data-testid="too-many-leads">
                {t('leads.tooMany', { max: format.number(MAX_LEADS_PER_REQUEST), count: selectedIds.length })}
              </p>
            )}
            <Button
              data-testid="queue-button"
              onClick={onQueue}
              disabled={busy || (scope !== null && !settings) || selectedIds.length === 0 || tooMany || whenPast}
              aria-describedby={[tooMany ? ids.tooMany : null, whenPast ? ids.whenPast : null].filter(Boolean).join(' ') || undefined}
              className="ms-auto"
            >
              <Send className="rtl-mirror" aria-hidden="true" />
              {busy ? t('leads.queueing') : selectedIds.length > 0 ? t('leads.queueCount', { count: selectedIds.length }) : t('leads.queue')}
            </Button>
          </div>
        )}
      </CardHeader>
      {spreading && (
        <SpreadDialog
          clientId={clientId}
          leadIds={spreading.leadIds}
          from={spreading.from}
          priority={priority}
          onClose={() => setSpreading(null)}
          onDone={() => {
            setSpreading(null);
            added();
          }}
        />
      )}
      <CardContent>
        {error && <LoadErrorAlert className="mb-3" error={error} onRetry={() => void reload()} />}
        <LeadRows
          rows={rows}
          activeLeadIds={activeLeadIds}
          selected={selected}
          readOnly={readOnly}
          labelledBy="leads-title"
          allSelected={allSelected}
          someSelected={someSelected}
          selectableCount={selectableRows.length}
          onToggle={toggle}
          onToggleAll={toggleAll}
          gridRef={gridRef}
          empty={
            loading && leads.length === 0 ? (
              <span role="status">{t('app.loading')}</span>
            ) : (
              <span data-testid="leads-empty">{leads.length === 0 ? t('leads.noLeads') : t('leads.empty')}</span>
            )
          }
        />
      </CardContent>
    </Card>
  );
}
