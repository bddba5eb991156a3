import { vi } from 'vitest';
import type * as LeadService from '@/services/leads/leadService';
import { ServiceError } from '@/services/errors';
import type { LeadDraft } from '@/types/queue';
import { backend, lead } from '../backend';

/** Stands in for services/leads/leadService; `satisfies` fails typecheck when the two drift apart. */
export const leadService = {
  listTemplates: vi.fn(async (_clientId: string) => backend.templates),
  getClientRegion: vi.fn(async (_clientId: string) => backend.region),
  listLeadsById: vi.fn(async (_clientId: string, ids: readonly string[]) => backend.leads.filter((known) => ids.includes(known.id))),
  // The fake's clock of changes: backend.leadChanges maps a lead to its updated_at (those never changed are older than any mark).
  listLeadsChangedSince: vi.fn(async (_clientId: string, since: string | null, limit: number) => {
    const changed = [...backend.leadChanges].sort(([, a], [, b]) => b.localeCompare(a));
    const newest = changed[0]?.[1] ?? null;
    if (since === null) return { leads: [], newest, more: false };
    const after = changed.filter(([, at]) => at >= since);
    const leads = after.slice(0, limit).flatMap(([id]) => backend.leads.filter((known) => known.id === id));
    return { leads, newest: after[0]?.[1] ?? null, more: after.length > limit };
  }),
  saveLead: vi.fn(async (_clientId: string, draft: LeadDraft, id?: string) => {
    if (backend.leads.some((known) => known.phone === draft.phone && known.id !== id)) {
      throw new ServiceError('conflict', 'duplicate key value violates unique constraint "leads_client_phone_key"', { backendCode: '23505' }, 409);
    }
    const existing = backend.leads.find((known) => known.id === id);
    const saved = { ...(existing ?? lead(backend.leads.length + 100)), ...draft };
    backend.leads = existing ? backend.leads.map((known) => (known.id === id ? saved : known)) : [...backend.leads, saved];
    return saved;
  }),
  optOutLead: vi.fn(async (id: string) => {
    const at = '2024-01-15T08:00:00.000Z';
    backend.leads = backend.leads.map((known) => (known.id === id ? { ...known, opted_out_at: known.opted_out_at ?? at } : known));
    return backend.leads.find((known) => known.id === id)!;
  }),
} satisfies typeof LeadService;
