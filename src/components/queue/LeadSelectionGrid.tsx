import { useCallback, useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fromZonedTime } from 'date-fns-tz';
import { toast } from 'sonner';
import { Pencil, Plus, Search, Send, X } from 'lucide-react';
import { describeWarning, useErrorText } from '@/hooks/useErrorText';
import { useFormat } from '@/hooks/useFormat';
import { useLeads } from '@/hooks/useLeads';
import { useEnqueueInChunks, useLeadContext } from '@/hooks/useLeadManagement';
import { useOptionalQueueScope } from '@/hooks/useQueueScope';
import { useOptionalQueueStatus } from '@/hooks/useQueueStatus';
import { clock, nowIso } from '@/lib/clock';
import { holidayName } from '@/lib/holidayNames';
import { cooldownSince, filterLeads, isQueueable, isRecent } from '@/lib/leadFilter';
import { PRIORITIES, type Lead, type LeadFilter, type QueuePriority, type SpreadChoice } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { NativeSelect } from '@/components/ui/native-select';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { LeadFormDialog } from './LeadFormDialog';
import { LeadImportDialog } from './LeadImportDialog';
import { LeadRows } from './LeadRows';
import { LoadErrorAlert } from './LoadErrorAlert';
import { SendAtPicker, type SendAt } from './SendAtPicker';
import { skippedRecentText } from './skippedRecentText';
import { SpreadDialog } from './SpreadDialog';

const FILTERS: LeadFilter[] = ['all', 'never_contacted', 'not_contacted_recently', 'in_queue', 'opted_out'];

/** The client's leads: search, filter, select (also all filtered) and queue them with a priority and a time. */
export function LeadSelectionGrid({ clientId, readOnly = false }: { clientId: string; readOnly?: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const errorText = useErrorText({ holidayName: useCallback((name: string) => holidayName(name, lang), [lang]) });
  const format = useFormat();
  const { leads, activeLeadIds, loading, error, reload } = useLeads(clientId);
  const { templates, region } = useLeadContext(clientId);
  const scope = useOptionalQueueScope();
  const settings = scope?.settings ?? null;
  const enqueue = useEnqueueInChunks(settings);
  const paused = useOptionalQueueStatus()?.queueStatus?.processing_state === 'paused';
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<LeadFilter>('all');
  const [tag, setTag] = useState('');
  const [days, setDays] = useState('30');
  const [templateName, setTemplateName] = useState('initial_outreach');
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [includeRecent, setIncludeRecent] = useState(false);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [editing, setEditing] = useState<{ lead: Lead | null } | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [priority, setPriority] = useState<QueuePriority>('normal');
  const [sendAt, setSendAt] = useState<SendAt>({ day: '', time: '09:00' });
  const [busy, setBusy] = useState(false);
  const [spreading, setSpreading] = useState<{ leadIds: string[]; from: string; choice: SpreadChoice } | null>(null);
  const deferredSearch = useDeferredValue(search);
  const gridRef = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), filter: useId(), priority: useId(), whenHint: useId(), whenPast: useId(), tag: useId(), days: useId(), template: useId(), recent: useId() };
  const variableIdPrefix = useId();
  const template = templates.find((known) => known.name === templateName);

  const rows = useMemo(
    () => filterLeads(leads, activeLeadIds, deferredSearch, filter, { tag, days: Math.max(0, Number(days) || 0) }),
    [leads, activeLeadIds, deferredSearch, filter, tag, days],
  );
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
  // Selected leads contacted within the cool-down (perhaps a moment ago, by anyone): they stay selected, as the
  // admin chose them, but the grid says the enqueue will skip them (or message them again when included).
  // To the minute, so the memo below holds between renders.
  const recentSince = cooldownSince(settings?.cooldown_days ?? 0, Math.floor(clock() / 60_000) * 60_000);
  const selectedRecent = useMemo(
    () => leads.filter((lead) => selected.has(lead.id) && isQueueable(lead, activeLeadIds) && isRecent(lead, recentSince)).length,
    [leads, selected, activeLeadIds, recentSince],
  );
  const allSelected = selectableRows.length > 0 && selectableRows.every((lead) => selected.has(lead.id));
  const someSelected = !allSelected && selectableRows.some((lead) => selected.has(lead.id));
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
    setProgress({ sent: 0, total: leadIds.length });
    const templateVariables = Object.fromEntries((template?.variables ?? []).map((name) => [name, variables[name] ?? '']));
    const { result, error: failure } = await enqueue(
      {
        leadIds, priority, scheduledFor, clientId, template: templateName, variables: templateVariables,
        ...(includeRecent ? { includeRecentlyContacted: true } : {}),
        ...(deferToNextWindow ? { deferToNextWindow } : {}),
      },
      (sent, total) => setProgress({ sent, total }),
    );
    setBusy(false);
    setProgress(null);
    const { queued, skipped, warning } = result;
    const skippedCount = skipped.duplicates + skipped.optedOut + skipped.unknown;
    const details = [
      !failure && deferToNextWindow ? t('leads.goesAt', { when: format.withZone(format.dateTime(result.scheduledFor ?? scheduledFor) ?? '') }) : null,
      !failure && paused ? t('leads.pausedNote') : null,
      warning ? describeWarning(warning, t) : null,
      skippedCount > 0 ? t('leads.skipped', { count: skippedCount }) : null,
      skipped.recentlyContacted > 0 ? skippedRecentText(t, skipped.recentlyContacted, settings?.cooldown_days) : null,
    ].filter(Boolean).join(' · ');
    if (!failure) {
      toast.success(t('leads.added', { count: queued }), { description: details || undefined });
      added();
      return;
    }
    if (result.calls > 0) {
      toast.warning(t('leads.partly', { queued, notSent: result.notSent, reason: errorText(failure) }), { description: details || undefined, duration: 20_000 });
      return;
    }
    const nextWindow = failure.details.nextWindow;
    // Over today's capacity: offer to spread the batch over the coming open days instead.
    const spread = failure.code === 'capacity_exceeded' ? { label: t('leads.spread.action'), onClick: () => setSpreading({ leadIds, from: scheduledFor, choice: { template: templateName, variables: templateVariables, includeRecentlyContacted: includeRecent } }) } : undefined;
    toast.error(errorText(failure), {
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
            {!readOnly && (
              <>
                {selected.size === 1 && (
                  <Button
                    size="sm"
                    variant="outline"
                    data-testid="lead-edit"
                    onClick={() => setEditing({ lead: leads.find((lead) => selected.has(lead.id)) ?? null })}
                  >
                    <Pencil aria-hidden="true" />
                    {t('leads.editLead')}
                  </Button>
                )}
                <Button size="sm" variant="outline" data-testid="lead-add" onClick={() => setEditing({ lead: null })}>
                  <Plus aria-hidden="true" />
                  {t('leads.add')}
                </Button>
                <LeadImportDialog clientId={clientId} region={region} onImported={() => void reload()} />
              </>
            )}
          </div>
        </div>
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_6rem]">
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
          <Field htmlFor={ids.tag} label={t('leads.tag')}>
            <Input id={ids.tag} data-testid="lead-tag" placeholder={t('leads.tagPlaceholder')} value={tag} onChange={(event) => setTag(event.target.value)} />
          </Field>
          <Field htmlFor={ids.days} label={t('leads.days')}>
            <Input
              id={ids.days}
              type="number"
              min={0}
              max={3650}
              data-testid="lead-days"
              disabled={filter !== 'not_contacted_recently'}
              value={days}
              onChange={(event) => setDays(event.target.value)}
            />
          </Field>
        </div>
        {!readOnly && selectableRows.length > 0 && !allSelected && (
          <Button variant="link" className="self-start px-0" data-testid="select-all-matching" onClick={() => toggleAll(true)}>
            {t('leads.selectAllMatching', { count: selectableRows.length })}
          </Button>
        )}
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
            <Field className="min-w-44" htmlFor={ids.template} label={t('leads.template')}>
              <NativeSelect
                id={ids.template}
                data-testid="template-select"
                value={templateName}
                options={(templates.length > 0 ? templates : [{ name: 'initial_outreach' }]).map((known) => ({ value: known.name, label: known.name }))}
                onValueChange={setTemplateName}
              />
            </Field>
            {template?.variables.map((name) => (
              <Field key={name} className="min-w-40" htmlFor={`${variableIdPrefix}-${name}`} label={t('leads.variable', { name })}>
                <Input
                  id={`${variableIdPrefix}-${name}`}
                  data-testid={`variable-${name}`}
                  value={variables[name] ?? ''}
                  onChange={(event) => setVariables((prev) => ({ ...prev, [name]: event.target.value }))}
                />
              </Field>
            ))}
            <label htmlFor={ids.recent} className="flex items-center gap-2 text-sm">
              <Checkbox id={ids.recent} data-testid="include-recent" checked={includeRecent} onChange={(event) => setIncludeRecent(event.target.checked)} />
              {t('leads.includeRecent')}
            </label>
            <p id={ids.whenHint} className="basis-full text-xs text-muted-foreground sm:order-last">
              {t('leads.scheduledHint')}
            </p>
            {whenPast && (
              <p id={ids.whenPast} role="alert" className="basis-full text-sm font-medium text-destructive sm:order-last" data-testid="send-at-past">
                {t('leads.whenPast')}
              </p>
            )}
            {selectedRecent > 0 && (
              <p role="status" className="basis-full text-sm text-warning sm:order-last" data-testid="selected-recent">
                {t(includeRecent ? 'leads.selectedRecentIncluded' : 'leads.selectedRecent', { count: selectedRecent })}
              </p>
            )}
            {progress && (
              <p role="status" className="basis-full text-sm" data-testid="queue-progress">
                {t('leads.progress', progress)}
              </p>
            )}
            <Button
              data-testid="queue-button"
              onClick={onQueue}
              disabled={busy || (scope !== null && !settings) || selectedIds.length === 0 || whenPast}
              aria-describedby={whenPast ? ids.whenPast : undefined}
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
          choice={spreading.choice}
          cooldownDays={settings?.cooldown_days}
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
          recentSince={recentSince}
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
      {editing && (
        <LeadFormDialog
          key={editing.lead?.id ?? 'new'}
          clientId={clientId}
          region={region}
          lead={editing.lead}
          open
          onOpenChange={(open) => !open && setEditing(null)}
          onSaved={() => void reload()}
        />
      )}
    </Card>
  );
}
