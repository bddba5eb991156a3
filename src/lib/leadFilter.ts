import type { Lead, LeadFilter } from '@/types/queue';

const DAY_MS = 86_400_000;

export type LeadState = 'in_queue' | 'opted_out' | 'never_contacted' | 'contacted';

export function leadState(lead: Lead, activeLeadIds: ReadonlySet<string>): LeadState {
  if (lead.opted_out_at) return 'opted_out';
  if (activeLeadIds.has(lead.id)) return 'in_queue';
  return lead.last_contacted_at ? 'contacted' : 'never_contacted';
}

/** A lead can be queued unless it opted out or already waits in the queue. */
export function isQueueable(lead: Lead, activeLeadIds: ReadonlySet<string>): boolean {
  const state = leadState(lead, activeLeadIds);
  return state === 'never_contacted' || state === 'contacted';
}

/** The instant (ms) a cool-down of `days` reaches back to from `now`; null when there is no cool-down. */
export function cooldownSince(days: number, now: number): number | null {
  return days > 0 ? now - days * DAY_MS : null;
}

/** Contacted after `since` (ms), i.e. within the cool-down that enqueue_leads skips by default. */
export function isRecent(lead: Lead, since: number | null): boolean {
  return since !== null && lead.last_contacted_at !== null && Date.parse(lead.last_contacted_at) > since;
}

function matches(lead: Lead, query: string, digits: string): boolean {
  if (lead.name.toLowerCase().includes(query)) return true;
  if (lead.email?.toLowerCase().includes(query)) return true;
  // Phones match by digits so "054 123" finds +972541234567 style numbers too.
  return digits.length > 0 && lead.phone.replace(/\D/g, '').includes(digits);
}

export interface LeadFilterOptions {
  /** Only leads carrying this tag. */
  tag?: string;
  /** For 'not_contacted_recently': leads not contacted in this many days before `now`. */
  days?: number;
  now?: Date;
}

export function filterLeads(
  leads: readonly Lead[],
  activeLeadIds: ReadonlySet<string>,
  search: string,
  filter: LeadFilter,
  options: LeadFilterOptions = {},
): Lead[] {
  const query = search.trim().toLowerCase();
  const digits = query.replace(/\D/g, '').replace(/^0/, '');
  const tag = options.tag?.trim();
  const contactedBefore = (options.now ?? new Date()).getTime() - (options.days ?? 30) * DAY_MS;
  return leads.filter((lead) => {
    if (tag && !lead.tags.includes(tag)) return false;
    if (filter === 'never_contacted' && (lead.last_contacted_at || lead.opted_out_at)) return false;
    if (filter === 'not_contacted_recently') {
      if (lead.opted_out_at || (lead.last_contacted_at && Date.parse(lead.last_contacted_at) > contactedBefore)) return false;
    }
    if (filter === 'in_queue' && !activeLeadIds.has(lead.id)) return false;
    if (filter === 'opted_out' && !lead.opted_out_at) return false;
    return query === '' || matches(lead, query, digits);
  });
}
