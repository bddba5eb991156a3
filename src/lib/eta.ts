import type { ProcessorDefaults, QueueSettings } from '@/types/queue';

export interface Window {
  start: Date;
  end: Date;
}
export type NextWindow = (from: Date) => Window | null;

const HOUR_MS = 3_600_000;
const MAX_WINDOWS = 400;

/** What a pair runs at, as private.effective_pacing decides it: the admin's value, else the environment's (which caps batch size and rate). */
export function effectivePacing(
  settings: Pick<QueueSettings, 'rate_limit_per_hour' | 'batch_size' | 'processing_delay_ms'>,
  defaults: ProcessorDefaults,
): ProcessorDefaults {
  return {
    batch_size: Math.min(defaults.batch_size, settings.batch_size ?? defaults.batch_size),
    processing_delay_ms: settings.processing_delay_ms ?? defaults.processing_delay_ms,
    rate_limit_per_hour: Math.min(defaults.rate_limit_per_hour, settings.rate_limit_per_hour ?? defaults.rate_limit_per_hour),
  };
}

/** Messages per hour the processor can reach: one claim per processing delay, under the send budget. */
export function sendRatePerHour(pacing: Pick<ProcessorDefaults, 'rate_limit_per_hour' | 'processing_delay_ms'>): number {
  const byDelay = pacing.processing_delay_ms > 0 ? HOUR_MS / pacing.processing_delay_ms : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(pacing.rate_limit_per_hour, byDelay));
}

/**
 * When a queue of `depth` items will have drained, walking business windows from `now` and
 * sending at most `max_capacity` a day. Null when no window lies ahead.
 */
export function estimateDrain(
  depth: number,
  now: Date,
  settings: Pick<ProcessorDefaults, 'rate_limit_per_hour' | 'processing_delay_ms'> & Pick<QueueSettings, 'max_capacity'>,
  nextWindow: NextWindow,
): Date | null {
  if (depth <= 0) return now;
  const perHour = sendRatePerHour(settings);
  if (perHour <= 0 || settings.max_capacity <= 0) return null;
  let remaining = depth;
  let from = now;
  for (let i = 0; i < MAX_WINDOWS; i += 1) {
    const window = nextWindow(from);
    if (!window) return null;
    const hours = (window.end.getTime() - window.start.getTime()) / HOUR_MS;
    const fits = Math.min(Math.floor(hours * perHour), settings.max_capacity);
    if (remaining <= fits) return new Date(window.start.getTime() + (remaining / perHour) * HOUR_MS);
    remaining -= fits;
    from = new Date(window.end.getTime() + 1);
  }
  return null;
}
