import { vi } from 'vitest';
import { backend } from '../backend';
import type { QueueSettings } from '@/types/queue';

export const getSettings = vi.fn(async () => backend.settings);
export const saveSettings = vi.fn(async (_userId: string, _clientId: string, settings: QueueSettings) => {
  backend.settings = { ...settings, processing_state: backend.settings?.processing_state ?? 'paused', last_processor_run_at: null };
  return backend.settings;
});
export const listClosedDays = vi.fn(async () => backend.closedDays);
