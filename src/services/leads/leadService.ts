import { supabase } from '@/integrations/supabase/client';
import { unwrap } from '@/services/errors';
import type { Lead, LeadDraft, MessageTemplate } from '@/types/queue';

const LEAD_COLUMNS = 'id, name, phone, email, tags, opted_out_at, last_contacted_at';

/** The client's templates, for the queue form (variables in the order the template names them). */
export async function listTemplates(clientId: string): Promise<MessageTemplate[]> {
  return unwrap(await supabase.from('message_templates').select('id, name, variables, description').eq('client_id', clientId).order('name'));
}

/** The country a number without a country code belongs to, for this client. */
export async function getClientRegion(clientId: string): Promise<string> {
  const [row] = unwrap(await supabase.from('clients').select('default_region').eq('id', clientId).limit(1));
  return row?.default_region ?? 'IL';
}

/** A request's URL carries the ids, so they go in groups small enough for any proxy's URL limit. */
const IDS_PER_READ = 100;

/** The client's leads with these ids, as they are now (those deleted meanwhile are simply missing). */
export async function listLeadsById(clientId: string, ids: readonly string[]): Promise<Lead[]> {
  const rows: Lead[] = [];
  for (let from = 0; from < ids.length; from += IDS_PER_READ) {
    const group = ids.slice(from, from + IDS_PER_READ);
    rows.push(...unwrap(await supabase.from('leads').select(LEAD_COLUMNS).eq('client_id', clientId).in('id', group)));
  }
  return rows;
}

/** The leads changed at or after a moment of the server's clock, and that clock's newest change among them. */
export interface LeadDelta {
  leads: Lead[];
  /** The newest `updated_at` read (null when nothing was). */
  newest: string | null;
  /** More leads changed than were read: the caller reads the whole list instead. */
  more: boolean;
}

/**
 * The client's leads changed since `since` (their `updated_at`, the server's clock), newest first, at most `limit`.
 * With `since` null it reads no lead, only the newest change, to mark where a later call starts.
 */
export async function listLeadsChangedSince(clientId: string, since: string | null, limit: number): Promise<LeadDelta> {
  const query = supabase.from('leads').select(`${LEAD_COLUMNS}, updated_at`).eq('client_id', clientId);
  const ranged = since === null ? query : query.gte('updated_at', since);
  const rows = unwrap(await ranged.order('updated_at', { ascending: false }).limit(since === null ? 1 : limit + 1));
  const leads = since === null ? [] : rows.slice(0, limit).map(({ updated_at: _changed, ...lead }) => lead);
  return { leads, newest: rows[0]?.updated_at ?? null, more: since !== null && rows.length > limit };
}

/** Adds a lead, or edits one (`id`); the phone is E.164 already (the form normalises it). */
export async function saveLead(clientId: string, draft: LeadDraft, id?: string): Promise<Lead> {
  const values = { name: draft.name, phone: draft.phone, email: draft.email || null, tags: draft.tags };
  const query = id
    ? supabase.from('leads').update(values).eq('id', id).select(LEAD_COLUMNS).single()
    : supabase.from('leads').insert({ ...values, client_id: clientId }).select(LEAD_COLUMNS).single();
  return unwrap(await query);
}

/** Opts a lead out for good (users cannot undo it; its waiting items are cancelled in the same transaction). */
export async function optOutLead(id: string): Promise<Lead> {
  return unwrap(await supabase.from('leads').update({ opted_out_at: new Date().toISOString() }).eq('id', id).select(LEAD_COLUMNS).single());
}
