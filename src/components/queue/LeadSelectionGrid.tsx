import { useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useVirtualizer } from '@tanstack/react-virtual';
import { toast } from 'sonner';
import { Search, Send } from 'lucide-react';
import { useEffectiveSettings } from '@/hooks/useEffectiveSettings';
import { useErrorText } from '@/hooks/useErrorText';
import { useLeads, useQueueLeads } from '@/hooks/useLeads';
import { useOptionalQueueStatus } from '@/hooks/useQueueStatus';
import { nowDate } from '@/lib/clock';
import { formatDateTime } from '@/lib/format';
import { filterLeads, isQueueable, leadState, type LeadState } from '@/lib/leadFilter';
import { PRIORITIES, type LeadFilter, type QueuePriority } from '@/types/queue';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { NativeSelect } from '@/components/ui/native-select';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { LoadErrorAlert } from './LoadErrorAlert';

const ROW_HEIGHT = 48;
const FILTERS: LeadFilter[] = ['all', 'never_contacted', 'in_queue', 'opted_out'];
const STATE_BADGE: Record<LeadState, { variant: BadgeVariant; key: 'inQueue' | 'optedOut' | 'neverContacted' | 'contacted' }> = {
  in_queue: { variant: 'info', key: 'inQueue' },
  opted_out: { variant: 'destructive', key: 'optedOut' },
  never_contacted: { variant: 'secondary', key: 'neverContacted' },
  contacted: { variant: 'outline', key: 'contacted' },
};
const COLUMNS = 'grid grid-cols-[2.5rem_minmax(8rem,2fr)_minmax(8rem,1.5fr)_minmax(7rem,1fr)] md:grid-cols-[2.5rem_minmax(8rem,2fr)_minmax(8rem,1.5fr)_minmax(7rem,1fr)_minmax(8rem,1fr)] items-center gap-2 px-3';

/** The client's leads: search, filter, select (also all filtered) and queue them with a priority. */
export function LeadSelectionGrid({ clientId, readOnly = false }: { clientId: string; readOnly?: boolean }) {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const { leads, activeLeadIds, loading, error, reload } = useLeads(clientId);
  const { settings } = useEffectiveSettings();
  const queueLeads = useQueueLeads(settings);
  const paused = useOptionalQueueStatus()?.queueStatus?.processing_state === 'paused';
  const whenRef = useRef<HTMLInputElement>(null);
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<LeadFilter>('all');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [priority, setPriority] = useState<QueuePriority>('normal');
  const [scheduledAt, setScheduledAt] = useState('');
  const [busy, setBusy] = useState(false);
  const deferredSearch = useDeferredValue(search);
  const scrollRef = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), filter: useId(), priority: useId(), when: useId(), whenHint: useId() };

  const rows = useMemo(() => filterLeads(leads, activeLeadIds, deferredSearch, filter), [leads, activeLeadIds, deferredSearch, filter]);
  const selectableRows = useMemo(() => rows.filter((lead) => isQueueable(lead, activeLeadIds)), [rows, activeLeadIds]);
  // Only leads still queueable count: one that went into the queue meanwhile drops out of the selection.
  const selectedIds = useMemo(
    () => leads.filter((lead) => selected.has(lead.id) && isQueueable(lead, activeLeadIds)).map((lead) => lead.id),
    [leads, selected, activeLeadIds],
  );
  const allSelected = selectableRows.length > 0 && selectableRows.every((lead) => selected.has(lead.id));
  const someSelected = !allSelected && selectableRows.some((lead) => selected.has(lead.id));

  // The app does not use the React Compiler, so the virtualizer's unmemoisable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 960, height: 480 },
  });

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
      const goesLater = deferToNextWindow ? t('leads.goesAt', { when: formatDateTime(scheduledFor, i18n.language) }) : null;
      const details = [goesLater, paused ? t('leads.pausedNote') : null, warning, skippedCount > 0 ? t('leads.skipped', { count: skippedCount }) : null]
        .filter(Boolean)
        .join(' · ');
      toast.success(t('leads.added', { count: queued }), { description: details || undefined });
      setSelected(new Set());
      setScheduledAt('');
      return;
    }
    const nextWindow = outcome.error.details.nextWindow;
    toast.error(errorText(outcome.error), {
      description: nextWindow ? t('leads.nextWindowAt', { when: formatDateTime(nextWindow.start, i18n.language) }) : undefined,
      action: nextWindow ? { label: t('leads.nextWindow'), onClick: () => void submit(leadIds, nextWindow.start, true) } : undefined,
      duration: nextWindow ? 20_000 : undefined,
    });
  };

  const onQueue = () => {
    // A half-typed date-time reads as an empty value; the browser still knows it was not complete.
    const when = scheduledAt ? new Date(scheduledAt) : null;
    if (whenRef.current?.validity.badInput || (when && Number.isNaN(when.getTime()))) {
      toast.error(t('leads.whenIncomplete'));
      return;
    }
    const now = nowDate();
    if (when && when.getTime() < now.getTime() - 60_000) {
      toast.error(t('leads.whenPast'));
      return;
    }
    void submit(selectedIds, (when ?? now).toISOString());
  };

  return (
    <Card aria-labelledby="leads-title">
      <CardHeader className="gap-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <CardTitle id="leads-title">{t('leads.title')}</CardTitle>
          <span className="text-sm text-muted-foreground" data-testid="lead-count">
            {t('leads.count', { count: rows.length })}
            {!readOnly && selectedIds.length > 0 && ` · ${t('leads.selected', { count: selectedIds.length })}`}
          </span>
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
            <Field className="min-w-52" htmlFor={ids.when} label={t('leads.scheduledFor')}>
              <Input
                id={ids.when}
                ref={whenRef}
                type="datetime-local"
                data-testid="scheduled-for"
                aria-describedby={ids.whenHint}
                value={scheduledAt}
                onChange={(event) => setScheduledAt(event.target.value)}
              />
            </Field>
            <p id={ids.whenHint} className="basis-full text-xs text-muted-foreground sm:order-last">
              {t('leads.scheduledHint')}
            </p>
            <Button data-testid="queue-button" onClick={onQueue} disabled={busy || !settings || selectedIds.length === 0} className="ms-auto">
              <Send className="rtl-mirror" aria-hidden="true" />
              {busy ? t('leads.queueing') : selectedIds.length > 0 ? t('leads.queueCount', { count: selectedIds.length }) : t('leads.queue')}
            </Button>
          </div>
        )}
      </CardHeader>
      <CardContent>
        {error && <LoadErrorAlert className="mb-3" error={error} onRetry={() => void reload()} />}
        <div role="table" aria-labelledby="leads-title" aria-rowcount={rows.length + 1} className="rounded-md border border-border">
          <div role="rowgroup">
            <div role="row" aria-rowindex={1} className={`${COLUMNS} h-11 border-b border-border bg-muted text-sm font-medium text-muted-foreground`}>
              <div role="columnheader" className="flex justify-center">
                {!readOnly && (
                  <Checkbox
                    data-testid="select-all"
                    aria-label={t('leads.selectAll', { count: selectableRows.length })}
                    checked={allSelected}
                    ref={(element) => {
                      if (element) element.indeterminate = someSelected;
                    }}
                    disabled={selectableRows.length === 0}
                    onChange={(event) => toggleAll(event.target.checked)}
                  />
                )}
              </div>
              <div role="columnheader">{t('leads.name')}</div>
              <div role="columnheader">{t('leads.phone')}</div>
              <div role="columnheader">{t('leads.state')}</div>
              <div role="columnheader" className="hidden md:block">
                {t('leads.lastContacted')}
              </div>
            </div>
          </div>
          {/* Without checkboxes (read-only) the scroll area itself takes focus, so the keyboard can scroll it. */}
          <div
            ref={scrollRef}
            role="rowgroup"
            tabIndex={readOnly ? 0 : undefined}
            className="relative h-[28rem] overflow-auto focus-visible:outline-2 focus-visible:outline-ring"
            data-testid="lead-rows"
          >
            {loading && leads.length === 0 ? (
              <p role="status" className="p-6 text-center text-muted-foreground">
                {t('app.loading')}
              </p>
            ) : rows.length === 0 ? (
              <p className="p-6 text-center text-muted-foreground" data-testid="leads-empty">
                {leads.length === 0 ? t('leads.noLeads') : t('leads.empty')}
              </p>
            ) : (
              <div style={{ height: virtualizer.getTotalSize() }} className="relative w-full">
                {virtualizer.getVirtualItems().map((item) => {
                  const lead = rows[item.index];
                  if (!lead) return null;
                  const state = leadState(lead, activeLeadIds);
                  const badge = STATE_BADGE[state];
                  const queueable = isQueueable(lead, activeLeadIds);
                  return (
                    <div
                      key={lead.id}
                      role="row"
                      aria-rowindex={item.index + 2}
                      data-testid={`lead-row-${item.index + 1}`}
                      className={`${COLUMNS} absolute start-0 top-0 w-full border-b border-border text-sm last:border-0 hover:bg-muted/60`}
                      style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                    >
                      <div role="cell" className="flex justify-center">
                        {!readOnly && (
                          <Checkbox
                            data-testid={`lead-checkbox-${item.index + 1}`}
                            aria-label={t('leads.selectLead', { name: lead.name })}
                            checked={queueable && selected.has(lead.id)}
                            disabled={!queueable}
                            onChange={(event) => toggle(lead.id, event.target.checked)}
                          />
                        )}
                      </div>
                      <div role="cell" className="truncate font-medium">
                        {lead.name}
                      </div>
                      <div role="cell" className="truncate tabular-nums">
                        <span dir="ltr">{lead.phone}</span>
                      </div>
                      <div role="cell">
                        <Badge variant={badge.variant}>{t(`leads.${badge.key}`)}</Badge>
                      </div>
                      <div role="cell" className="hidden truncate text-muted-foreground md:block">
                        {formatDateTime(lead.last_contacted_at, i18n.language) ?? t('common.never')}
                      </div>
                    </div>
                  );
                })}
              </div>
            )}
          </div>
        </div>
      </CardContent>
    </Card>
  );
}
