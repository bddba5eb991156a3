// Loaded on demand: the shared rules pull in the Hebrew calendar, which the first paint never needs.
import { checkWindow, nextBusinessWindow, withDefaults } from '@shared/businessRules.ts';
import type { QueueSettings } from '@/types/queue';
import { estimateDrain, type Window } from './eta';

export function nextWindow(from: Date, settings: QueueSettings): Window | null {
  return nextBusinessWindow(from, withDefaults(settings));
}

export function drainEta(depth: number, now: Date, settings: QueueSettings): Date | null {
  const rules = withDefaults(settings);
  return estimateDrain(depth, now, settings, (from) => nextBusinessWindow(from, rules));
}

export interface WindowRefusal {
  code: 'business_closed' | 'outside_business_hours' | 'holiday';
  reason: string;
  next: Window | null;
}

/** The shared rules' verdict on sending at `at`: null when the window is open, else why not and the next window. */
export function windowRefusal(at: Date, settings: QueueSettings): WindowRefusal | null {
  const rules = withDefaults(settings);
  const verdict = checkWindow(at, rules);
  // An unknown zone is the server's to refuse, with its own sentence.
  if (verdict.allowed || verdict.code === 'invalid_timezone' || verdict.code === 'capacity_exceeded' || !verdict.code) return null;
  return { code: verdict.code, reason: verdict.reason ?? '', next: nextBusinessWindow(at, rules) };
}
