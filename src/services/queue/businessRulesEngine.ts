import {
  DEFAULT_SETTINGS,
  nextBusinessWindow,
  validateOperation,
  type BusinessSettings,
  type BusinessWindow,
  type QueueOperation,
  type ValidationResult,
} from '@shared/businessRules.ts';

export type { BusinessSettings, BusinessWindow, QueueOperation, ValidationResult };

export interface BusinessRulesEngineOptions {
  settings?: BusinessSettings;
  clock?: () => Date;
  /** How many items already count against today's capacity (the caller reads it from the queue). */
  countToday?: () => Promise<number> | number;
}

/** The spec's engine API over the shared pure rules, so the SPA previews exactly what queue-leads enforces. */
export function createBusinessRulesEngine(options: BusinessRulesEngineOptions = {}) {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const clock = options.clock ?? (() => new Date());
  const countToday = options.countToday ?? (() => 0);
  return {
    async validateOperation(operation: QueueOperation): Promise<ValidationResult> {
      return validateOperation(operation, { settings, now: clock(), todayCount: await countToday() });
    },
    nextBusinessWindow(from: Date = clock()): BusinessWindow | null {
      return nextBusinessWindow(from, settings);
    },
  };
}

export const businessRulesEngine = createBusinessRulesEngine();
