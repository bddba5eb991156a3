import type * as BusinessWindows from './businessWindows';

let rules: Promise<typeof BusinessWindows> | null = null;

/** The shared business rules, fetched once and on first use: they pull in the Hebrew calendar, which the first paint never needs. */
export function loadRules(): Promise<typeof BusinessWindows> {
  return (rules ??= import('./businessWindows'));
}
