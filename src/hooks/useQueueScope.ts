import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import type { ServiceError } from '@/services/errors';
import { listAdminSettings, saveSettings } from '@/services/queue/queueSettingsService';
import { DEFAULT_SETTINGS } from '@/lib/settings';
import type { AdminSettings, QueueSettings, StoredQueueSettings } from '@/types/queue';
import { useAuth } from './useAuth';
import { useLoader } from './useLoader';

const PICK_KEY = 'lq.admin';

export interface QueueScopeValue {
  /** The admins whose queues the user may see, with their settings (an admin sees only themself). */
  admins: AdminSettings[];
  /** Whose queue is shown: an admin's own, a manager's pick, or null for the client's total. */
  adminId: string | null;
  /** Managers pick which admin they look at; null is the client's total. */
  canPick: boolean;
  pick: (adminId: string | null) => void;
  /** The shown admin's settings; null for the client's total or while loading. */
  settings: StoredQueueSettings | null;
  /** The zone every time on screen is shown in: the shown admin's, else the client's first admin's, else the browser's. */
  zone: string;
  loading: boolean;
  error: ServiceError | null;
  reload: () => Promise<void>;
  /** Saves the signed-in admin's own settings; every panel that reads the scope follows at once. */
  save: (settings: QueueSettings) => Promise<StoredQueueSettings>;
}

function storedPick(): string | null {
  try {
    return localStorage.getItem(PICK_KEY);
  } catch {
    return null;
  }
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The admins' settings and whose queue is shown; mounted once by QueueScopeProvider. */
export function useQueueScopeSource(): QueueScopeValue {
  const { user, membership } = useAuth();
  const clientId = membership?.clientId ?? '';
  const isManager = membership?.role === 'manager';
  const load = useCallback(() => listAdminSettings(clientId), [clientId]);
  const { data, error, loading, reload, mutate } = useLoader(load);
  const [picked, setPicked] = useState<string | null>(storedPick);

  const admins = useMemo(() => data ?? [], [data]);
  const adminId = isManager ? (admins.some((admin) => admin.userId === picked) ? picked : null) : (user?.id ?? null);
  // An admin whose row is not there (yet) works under the schema's defaults, as the functions do.
  const settings = useMemo<StoredQueueSettings | null>(() => {
    const row = admins.find((admin) => admin.userId === adminId)?.settings;
    if (row) return row;
    return !isManager && data !== null ? { ...DEFAULT_SETTINGS, processing_state: 'paused', last_processor_run_at: null } : null;
  }, [admins, adminId, isManager, data]);
  const zone = settings?.timezone ?? admins[0]?.settings.timezone ?? browserZone();

  const pick = useCallback((next: string | null) => {
    setPicked(next);
    try {
      if (next) localStorage.setItem(PICK_KEY, next);
      else localStorage.removeItem(PICK_KEY);
    } catch {
      // Without storage the pick lasts for this page.
    }
  }, []);

  const userId = user?.id ?? '';
  const save = useCallback(
    async (next: QueueSettings) => {
      const row = await saveSettings(userId, clientId, next);
      mutate((previous) => (previous ?? []).map((admin) => (admin.userId === userId ? { userId, settings: row } : admin)));
      return row;
    },
    [userId, clientId, mutate],
  );

  return useMemo(
    () => ({ admins, adminId, canPick: isManager, pick, settings, zone, loading, error, reload, save }),
    [admins, adminId, isManager, pick, settings, zone, loading, error, reload, save],
  );
}

export const QueueScopeContext = createContext<QueueScopeValue | null>(null);

export function useQueueScope(): QueueScopeValue {
  const value = useContext(QueueScopeContext);
  if (!value) throw new Error('useQueueScope must be used inside <QueueScopeProvider>');
  return value;
}

/** The scope where there is one (signed-in pages); null on the sign-in page. */
export function useOptionalQueueScope(): QueueScopeValue | null {
  return useContext(QueueScopeContext);
}
