import { WEEKDAYS, type Weekday } from '@/types/queue';

/**
 * What a refusal or warning of the business rules says, as data. queue-leads and enqueue_leads word them
 * in English for the spec ("Cannot schedule for saturday - business closed", "Exceeding daily target
 * (50/45)"); the UI reads the values back out and says them in the user's language. The patterns follow
 * the producers (supabase/functions/_shared/businessRules.ts, enqueue_leads, the rate limiter), and the
 * tests build their messages with those producers, so a change in wording fails there.
 */
export type BackendDetail =
  | { kind: 'closedWeekday'; weekday: Weekday }
  | { kind: 'closedDate'; date: string }
  | { kind: 'holiday'; name: string }
  | { kind: 'outsideHours'; start: string; end: string }
  | { kind: 'capacity'; total: number; capacity: number }
  | { kind: 'dailyTarget'; total: number; target: number }
  | { kind: 'rateLimit'; seconds: number };

const WEEKDAY = /^Cannot schedule for (\w+) - business closed$/;
const DATE = /^Cannot schedule for (\d{4}-\d{2}-\d{2}) - business closed$/;
const HOLIDAY = /^Cannot schedule on holidays \((.+)\)$/;
const HOURS = /^Outside business hours \((\d{2}:\d{2})-(\d{2}:\d{2}) [^)]+\)$/;
const CAPACITY = /^Daily capacity exceeded \((\d+)\/(\d+)\)$/;
const TARGET = /^Exceeding daily target \((\d+)\/(\d+)\)$/;
const RATE = /^Rate limit exceeded\. Try again in (\d+)s$/;

function isWeekday(value: string): value is Weekday {
  return WEEKDAYS.some((day) => day === value);
}

export function parseBackendMessage(message: string): BackendDetail | null {
  const text = message.trim();
  let match = DATE.exec(text);
  if (match?.[1]) return { kind: 'closedDate', date: match[1] };
  match = WEEKDAY.exec(text);
  if (match?.[1] && isWeekday(match[1])) return { kind: 'closedWeekday', weekday: match[1] };
  match = HOLIDAY.exec(text);
  if (match?.[1]) return { kind: 'holiday', name: match[1] };
  match = HOURS.exec(text);
  if (match?.[1] && match[2]) return { kind: 'outsideHours', start: match[1], end: match[2] };
  match = CAPACITY.exec(text);
  if (match) return { kind: 'capacity', total: Number(match[1]), capacity: Number(match[2]) };
  match = TARGET.exec(text);
  if (match) return { kind: 'dailyTarget', total: Number(match[1]), target: Number(match[2]) };
  match = RATE.exec(text);
  if (match) return { kind: 'rateLimit', seconds: Number(match[1]) };
  return null;
}
