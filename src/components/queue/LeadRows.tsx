import { useEffect, useId, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useFormat } from '@/hooks/useFormat';
import { useMediaQuery, WIDE } from '@/hooks/useMediaQuery';
import { formatPhone } from '@/lib/format';
import { isQueueable, isRecent, leadState, type LeadState } from '@/lib/leadFilter';
import type { Lead } from '@/types/queue';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Checkbox } from '@/components/ui/checkbox';
import { cn } from '@/lib/utils';

type BadgeKey = 'inQueue' | 'optedOut' | 'neverContacted' | 'contacted' | 'contactedRecently';
const STATE_BADGE: Record<LeadState, { variant: BadgeVariant; key: BadgeKey }> = {
  in_queue: { variant: 'info', key: 'inQueue' },
  opted_out: { variant: 'destructive', key: 'optedOut' },
  never_contacted: { variant: 'secondary', key: 'neverContacted' },
  contacted: { variant: 'outline', key: 'contacted' },
};
const RECENT_BADGE: { variant: BadgeVariant; key: BadgeKey } = { variant: 'warning', key: 'contactedRecently' };
// Wide: one line per lead in columns. Narrow: a two-line card (name and state, then phone and last contact).
const ROW_HEIGHT = { wide: 48, narrow: 72 };
// The header row stays on top of the scrolling rows; scrolling to a row keeps it clear of the header.
const HEADER_HEIGHT = 44;
const LAYOUT =
  'grid items-center gap-x-2 px-3 grid-cols-[2.5rem_minmax(0,1fr)_auto] grid-rows-[auto_auto] md:grid-rows-1 md:grid-cols-[2.5rem_minmax(8rem,2fr)_minmax(8rem,1.5fr)_minmax(7rem,1fr)_minmax(8rem,1fr)]';

interface LeadRowsProps {
  rows: Lead[];
  activeLeadIds: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  /** Leads contacted after this instant (ms) are within the cool-down; null when there is none. */
  recentSince: number | null;
  readOnly: boolean;
  labelledBy: string;
  allSelected: boolean;
  someSelected: boolean;
  selectableCount: number;
  onToggle: (id: string, on: boolean) => void;
  onToggleAll: (on: boolean) => void;
  /** The grid element, so an action elsewhere can bring the focus back to it. */
  gridRef: RefObject<HTMLDivElement | null>;
  /** What an empty list says, shown as its only row. */
  empty: ReactNode;
}

/**
 * The leads as an ARIA grid, virtualised: one tab stop, the active row named by aria-activedescendant,
 * arrows / Page keys / Home / End to move (every row reachable, the virtualiser renders it first) and
 * Space to select. aria-rowcount and aria-rowindex tell assistive technology where a row sits in the whole list.
 */
export function LeadRows(props: LeadRowsProps) {
  const { rows, activeLeadIds, selected, recentSince, readOnly, labelledBy, gridRef, empty } = props;
  const { t } = useTranslation();
  const format = useFormat();
  const wide = useMediaQuery(WIDE);
  const rowHeight = wide ? ROW_HEIGHT.wide : ROW_HEIGHT.narrow;
  const baseId = useId();
  const [active, setActive] = useState(0);
  const activeIndex = Math.min(active, Math.max(0, rows.length - 1));

  // The app does not use the React Compiler, so the virtualizer's unmemoisable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => gridRef.current,
    estimateSize: () => rowHeight,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    overscan: 12,
    initialRect: { width: 960, height: 480 },
  });
  useEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const pageSize = Math.max(1, Math.floor(((gridRef.current?.clientHeight ?? 492) - HEADER_HEIGHT) / rowHeight) - 1);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const steps: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: pageSize, PageUp: -pageSize };
    if (event.key in steps) move(activeIndex + (steps[event.key] ?? 0));
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(rows.length - 1);
    else if (event.key === ' ' && !readOnly) {
      const lead = rows[activeIndex];
      if (lead && isQueueable(lead, activeLeadIds)) props.onToggle(lead.id, !selected.has(lead.id));
    } else return;
    event.preventDefault();
  };

  const items = virtualizer.getVirtualItems();
  const activeRendered = items.some((item) => item.index === activeIndex);
  const rowId = (index: number) => `${baseId}-row-${index}`;

  return (
    <div
      ref={gridRef}
      role="grid"
      aria-labelledby={labelledBy}
      aria-rowcount={rows.length + 1}
      aria-multiselectable={readOnly ? undefined : true}
      aria-readonly={readOnly || undefined}
      aria-activedescendant={rows.length > 0 && activeRendered ? rowId(activeIndex) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => rows.length > 0 && !activeRendered && virtualizer.scrollToIndex(activeIndex)}
      // The grid is its own scroll area and the one tab stop: the keyboard scrolls it and moves the active row.
      className="group relative h-[31rem] overflow-y-auto overflow-x-hidden rounded-md border border-border focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
      data-testid="lead-grid"
    >
      <div role="rowgroup" className="sticky top-0 z-10">
        <div role="row" aria-rowindex={1} className={`${LAYOUT} h-11 border-b border-border bg-muted text-sm font-medium text-muted-foreground`}>
          <div role="columnheader" className="flex justify-center">
            {!readOnly && (
              <Checkbox
                data-testid="select-all"
                tabIndex={-1}
                aria-label={t('leads.selectAll', { count: props.selectableCount })}
                checked={props.allSelected}
                ref={(element) => {
                  if (element) element.indeterminate = props.someSelected;
                }}
                disabled={props.selectableCount === 0}
                onChange={(event) => props.onToggleAll(event.target.checked)}
                className="max-md:size-5"
              />
            )}
          </div>
          <div role="columnheader" className="truncate">
            <span className="md:hidden" aria-hidden="true">
              {readOnly ? '' : t('leads.selectAllShort')}
            </span>
            <span className="max-md:sr-only">{t('leads.name')}</span>
          </div>
          <div role="columnheader" className="max-md:sr-only">
            {t('leads.phone')}
          </div>
          <div role="columnheader" className="max-md:sr-only">
            {t('leads.state')}
          </div>
          <div role="columnheader" className="max-md:sr-only">
            {format.withZone(t('leads.lastContacted'))}
          </div>
        </div>
      </div>
      <div role="rowgroup" className="relative" data-testid="lead-rows">
        {rows.length === 0 ? (
          <div role="row">
            <div role="gridcell" aria-colspan={5} className="p-6 text-center text-muted-foreground">
              {empty}
            </div>
          </div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize() }} className="relative w-full">
            {items.map((item) => {
              const lead = rows[item.index];
              if (!lead) return null;
              const state = leadState(lead, activeLeadIds);
              const badge = state === 'contacted' && isRecent(lead, recentSince) ? RECENT_BADGE : STATE_BADGE[state];
              const queueable = isQueueable(lead, activeLeadIds);
              const isActive = item.index === activeIndex;
              return (
                <div
                  key={lead.id}
                  id={rowId(item.index)}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={readOnly ? undefined : queueable && selected.has(lead.id)}
                  data-testid={`lead-row-${item.index + 1}`}
                  data-active={isActive || undefined}
                  onMouseDown={() => setActive(item.index)}
                  className={cn(
                    LAYOUT,
                    'absolute start-0 top-0 w-full border-b border-border text-sm last:border-0 hover:bg-muted/60 max-md:py-2',
                    isActive && 'group-focus-visible:bg-info-soft group-focus-visible:outline-2 group-focus-visible:-outline-offset-2 group-focus-visible:outline-ring',
                  )}
                  style={{ height: rowHeight, transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                >
                  <div role="gridcell" className="flex justify-center max-md:row-span-2">
                    {!readOnly && (
                      <Checkbox
                        data-testid={`lead-checkbox-${item.index + 1}`}
                        tabIndex={-1}
                        aria-label={t('leads.selectLead', { name: lead.name })}
                        checked={queueable && selected.has(lead.id)}
                        disabled={!queueable}
                        onChange={(event) => props.onToggle(lead.id, event.target.checked)}
                        className="max-md:size-5"
                      />
                    )}
                  </div>
                  <div role="gridcell" className="min-w-0 font-medium" title={lead.name}>
                    {/* The name's own direction decides where it is cut; as an inline box it still sits at the column's start. */}
                    <span dir="auto" className="inline-block max-w-full truncate align-bottom">
                      {lead.name}
                    </span>
                  </div>
                  <div role="gridcell" className="truncate text-muted-foreground tabular-nums max-md:col-start-2 max-md:row-start-2 max-md:text-xs md:text-foreground">
                    <span dir="ltr">{formatPhone(lead.phone)}</span>
                  </div>
                  <div role="gridcell" className="max-md:col-start-3 max-md:row-start-1 max-md:justify-self-end">
                    <Badge variant={badge.variant} data-testid={`lead-state-${item.index + 1}`}>
                      {t(`leads.${badge.key}`)}
                    </Badge>
                  </div>
                  <div role="gridcell" data-testid={`lead-contacted-${item.index + 1}`} className="truncate text-xs text-muted-foreground max-md:col-start-3 max-md:row-start-2 max-md:justify-self-end md:text-sm">
                    {/* On a phone the date stands under the state without a label: a label there took the name's room. */}
                    {lead.last_contacted_at ? (
                      format.dateTime(lead.last_contacted_at)
                    ) : (
                      <span className="max-md:sr-only">{t('common.never')}</span>
                    )}
                  </div>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
