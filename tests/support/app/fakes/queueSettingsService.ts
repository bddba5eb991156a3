import { vi } from 'vitest';
import type * as QueueSettingsService from '@/services/queue/queueSettingsService';
import type { QueueSettings } from '@/types/queue';
import { backend } from '../backend';

/** Stands in for services/queue/queueSettingsService; `satisfies` fails typecheck when the two drift apart. */
export const queueSettingsService = {
  getSettings: vi.fn(async (_userId: string, _clientId: string) => backend.settings),
  saveSettings: vi.fn(async (_userId: string, _clientId: string, settings: QueueSettings) => {
    backend.settings = { ...settings, processing_state: backend.settings?.processing_state ?? 'paused', last_processor_run_at: null };
    return backend.settings;
  }),
  listClosedDays: vi.fn(async (_calendar: string, _year: number) => backend.closedDays),
} satisfies typeof QueueSettingsService;
