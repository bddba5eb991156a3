/**
 * The app's only source of "now". Everything time-dependent asks this module, so a test
 * (or the spec's e2e that pins `Date.now`) controls the whole UI's idea of time.
 */
export type Clock = () => number;

export const clock: Clock = () => Date.now();

export function nowDate(): Date {
  return new Date(clock());
}

export function nowIso(): string {
  return nowDate().toISOString();
}
