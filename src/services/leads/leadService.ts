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
