import { vi } from 'vitest';
import type * as QueueSettingsService from '@/services/queue/queueSettingsService';
import type { QueueSettings } from '@/types/queue';
import { ADMIN, backend } from '../backend';

/** Stands in for services/queue/queueSettingsService; `satisfies` fails typecheck when the two drift apart. */
export const queueSettingsService = {
  // As RLS answers: an admin reads their own row, a manager every admin row of the client.
  listAdminSettings: vi.fn(async (_clientId: string) => {
    const own = backend.settings ? [{ userId: ADMIN.id, settings: backend.settings }] : [];
    return backend.memberships[0]?.role === 'manager' ? [...own, ...backend.otherAdmins] : own;
  }),
  saveSettings: vi.fn(async (_userId: string, _clientId: string, settings: QueueSettings) => {
    backend.settings = { ...settings, processing_state: backend.settings?.processing_state ?? 'paused', last_processor_run_at: null };
    return backend.settings;
  }),
  getProcessorDefaults: vi.fn(async () => backend.processorDefaults),
} satisfies typeof QueueSettingsService;
