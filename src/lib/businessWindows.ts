// Loaded on demand: the shared rules pull in the Hebrew calendar, which the first paint never needs.
import { nextBusinessWindow, withDefaults } from '@shared/businessRules.ts';
import type { QueueSettings } from '@/types/queue';
import { estimateDrain, type Window } from './eta';

export function nextWindow(from: Date, settings: QueueSettings): Window | null {
  return nextBusinessWindow(from, withDefaults(settings));
}

export function drainEta(depth: number, now: Date, settings: QueueSettings): Date | null {
  const rules = withDefaults(settings);
  return estimateDrain(depth, now, settings, (from) => nextBusinessWindow(from, rules));
}
