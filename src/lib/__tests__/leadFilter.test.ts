import { describe, expect, it } from 'vitest';
import type { Lead } from '@/types/queue';
import { filterLeads, isQueueable, leadState } from '../leadFilter';

const base: Lead = { id: '1', name: 'Avi Cohen', phone: '+972501234567', email: 'avi@example.com', tags: ['vip'], opted_out_at: null, last_contacted_at: null };
const leads: Lead[] = [
  base,
  { ...base, id: '2', name: 'Dana Levi', phone: '+972529876543', email: null, tags: [], last_contacted_at: '2024-01-01T00:00:00Z' },
  { ...base, id: '3', name: 'Noa', phone: '+972541111111', email: 'noa@example.com', opted_out_at: '2024-01-01T00:00:00Z' },
];
const active = new Set(['2']);
const names = (list: Lead[]) => list.map((lead) => lead.name);

describe('filterLeads', () => {
  it('filters by state', () => {
    expect(names(filterLeads(leads, active, '', 'all'))).toEqual(['Avi Cohen', 'Dana Levi', 'Noa']);
    expect(names(filterLeads(leads, active, '', 'never_contacted'))).toEqual(['Avi Cohen']);
    expect(names(filterLeads(leads, active, '', 'in_queue'))).toEqual(['Dana Levi']);
    expect(names(filterLeads(leads, active, '', 'opted_out'))).toEqual(['Noa']);
  });

  it('filters by tag and by "not contacted in N days" (opted-out leads never match)', () => {
    const now = new Date('2024-01-11T00:00:00Z');
    expect(names(filterLeads(leads, active, '', 'all', { tag: ' vip ' }))).toEqual(['Avi Cohen', 'Noa']);
    expect(names(filterLeads(leads, active, '', 'not_contacted_recently', { days: 7, now }))).toEqual(['Avi Cohen', 'Dana Levi']);
    expect(names(filterLeads(leads, active, '', 'not_contacted_recently', { days: 30, now }))).toEqual(['Avi Cohen']);
  });

  it('searches names and emails case-insensitively, and phones by digits in local format too', () => {
    expect(names(filterLeads(leads, active, 'LEVI', 'all'))).toEqual(['Dana Levi']);
    expect(names(filterLeads(leads, active, 'avi@', 'all'))).toEqual(['Avi Cohen']);
    expect(names(filterLeads(leads, active, '052-987', 'all'))).toEqual(['Dana Levi']);
  });
});

describe('leadState', () => {
  it('puts opted out before in queue before contact history', () => {
    expect(leadState(leads[0]!, active)).toBe('never_contacted');
    expect(leadState(leads[1]!, active)).toBe('in_queue');
    expect(leadState(leads[2]!, new Set(['3']))).toBe('opted_out');
    expect(isQueueable(leads[1]!, new Set())).toBe(true);
    expect(isQueueable(leads[1]!, active)).toBe(false);
  });
});
