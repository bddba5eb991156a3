// Loaded on demand: the shared rules pull in the Hebrew calendar, which the first paint never needs.
import { nextBusinessWindow, withDefaults } from '@shared/businessRules.ts';
import type { ProcessorDefaults, QueueSettings } from '@/types/queue';
import { effectivePacing, estimateDrain, type Window } from './eta';

export function nextWindow(from: Date, settings: QueueSettings): Window | null {
  return nextBusinessWindow(from, withDefaults(settings));
}

export function drainEta(depth: number, now: Date, settings: QueueSettings, defaults: ProcessorDefaults): Date | null {
  const rules = withDefaults(settings);
  const pacing = { ...effectivePacing(settings, defaults), max_capacity: settings.max_capacity };
  return estimateDrain(depth, now, pacing, (from) => nextBusinessWindow(from, rules));
}
