import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';
import { DEFAULT_SETTINGS, localDateOf, planDay } from '../../supabase/functions/_shared/businessRules.ts';
import { israeliHoliday, nextDate } from '../../supabase/functions/_shared/holidays.ts';
import type { SupabaseClient } from '@supabase/supabase-js';

export interface Invocation {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; [key: string]: unknown } };
  headers: Headers;
}

/** supabase-js `functions.invoke`, unwrapped: the status and JSON body whether or not it was 2xx. */
export async function invoke(client: SupabaseClient, name: string, body: unknown, headers: Record<string, string> = {}): Promise<Invocation> {
  const { data, error, response } = await client.functions.invoke(name, { body: body as Record<string, unknown>, headers });
  if (!error) return { status: response?.status ?? 200, body: data as Invocation['body'], headers: response?.headers ?? new Headers() };
  const context = (error as { context?: Response }).context;
  if (!context || typeof context.status !== 'number') throw error;
  const text = await context.text();
  let parsed: Invocation['body'] = {};
  try {
    parsed = JSON.parse(text) as Invocation['body'];
  } catch {
    parsed = { raw: text };
  }
  return { status: context.status, body: parsed, headers: context.headers };
}


const TZ = 'Asia/Jerusalem';

/** The first local date after today (Israel) for which `accept` holds, searched up to ~11 months ahead. */
export function futureDate(accept: (date: string) => boolean, from = new Date()): string {
  let date = nextDate(nextDate(localDateOf(from, TZ)));
  for (let day = 0; day < 330; day += 1) {
    if (accept(date)) return date;
    date = nextDate(date);
  }
  throw new Error('no matching date within 330 days');
}

export function israelTime(date: string, time: string): Date {
  return fromZonedTime(`${date}T${time}:00`, TZ);
}

export const isOpenDay = (date: string) => planDay(date, DEFAULT_SETTINGS).open;
export const isSaturday = (date: string) => planDay(date, DEFAULT_SETTINGS).weekday === 'saturday';
/** A yom tov on a weekday that would otherwise be open, so the refusal is for the holiday. */
export const isWeekdayHoliday = (date: string) => {
  const weekday = planDay(date, DEFAULT_SETTINGS).weekday;
  return Boolean(israeliHoliday(date)) && !['friday', 'saturday'].includes(weekday);
};

export function israelWeekdayAndTime(at: string): string {
  return formatInTimeZone(new Date(at), TZ, 'EEEE HH:mm');
}

export const ALWAYS_OPEN_HOURS = `(select jsonb_object_agg(d, '{"enabled":true,"start":"00:00","end":"24:00"}'::jsonb)
  from unnest(array['sunday','monday','tuesday','wednesday','thursday','friday','saturday']) d)`;

interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

let leadCounter = 0;

/** `count` fresh leads of a client, each with one due pending queue item of `userId`; returns the item ids. */
export async function seedDueItems(
  db: Queryable,
  options: { count: number; clientId: string; userId: string; maxAttempts?: number; priority?: string },
): Promise<string[]> {
  const first = leadCounter + 1;
  leadCounter += options.count;
  const { rows } = await db.query<{ id: string }>(
    `with new_leads as (
       insert into public.leads (client_id, name, phone)
       select $1, 'Load ' || n, '+97253' || lpad(n::text, 7, '0') from generate_series($2::int, $3::int) n
       returning id)
     insert into public.whatsapp_message_queue (lead_id, client_id, user_id, priority, scheduled_for, max_attempts)
     select id, $1, $4, $5::public.queue_priority, now() - interval '1 minute', $6 from new_leads
     returning id`,
    [options.clientId, first, leadCounter, options.userId, options.priority ?? 'normal', options.maxAttempts ?? 5],
  );
  return rows.map((row) => row.id);
}
