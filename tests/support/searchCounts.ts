import type { Queryable } from './queueItems.ts';
import { DEMO_CLIENT_ID } from './seed.ts';

/** queue_list_counts' answer by status: the count, with "+" when capped. */
export type Counts = Record<string, string>;

/** Leads of a client named `${prefix} n` (n = 1..count) with phones `${phonePrefix}` + n on 4 digits; their ids in n order. */
export async function namedLeads(db: Queryable, count: number, prefix: string, phonePrefix: string, client = DEMO_CLIENT_ID): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `insert into leads (client_id, name, phone)
     select $1, $2 || ' ' || n, $3 || lpad(n::text, 4, '0') from generate_series(1, $4) n order by n returning id`,
    [client, prefix, phonePrefix, count]);
  return rows.map((row) => row.id);
}

/** public.queue_list_counts(client, term) on a connection already acting as the caller. */
export async function listCounts(db: Queryable, client: string, term: string | null): Promise<Counts> {
  const { rows } = await db.query<{ status: string; items: string; capped: boolean }>(
    'select status::text, items::text, capped from queue_list_counts($1, $2)', [client, term]);
  return Object.fromEntries(rows.map((row) => [row.status, `${row.items}${row.capped ? '+' : ''}`]));
}

/** The same counts by a direct query (superuser): the Demo client's items of `owners` (all of them when null) whose lead matches. */
export async function countsTruth(db: Queryable, term: { name?: string; phone?: string }, owners: string[] | null): Promise<Counts> {
  const { rows } = await db.query<{ status: string; items: string }>(
    `select s.status::text, count(q.id)::text as items
       from unnest(enum_range(null::queue_item_status)) s(status)
       left join (whatsapp_message_queue q join leads l on l.id = q.lead_id)
              on q.status = s.status and q.client_id = $1 and ($2::uuid[] is null or q.user_id = any ($2))
             and (lower(l.name) like '%' || $3 || '%' or l.phone like '%' || $4 || '%')
      group by s.status order by s.status`,
    [DEMO_CLIENT_ID, owners, term.name ?? null, term.phone ?? null]);
  return Object.fromEntries(rows.map((row) => [row.status, row.items]));
}
