import { useCallback, useState } from 'react';
import { getSettings, listClosedDays, saveSettings } from '@/services/queue/queueSettingsService';
import { DEFAULT_SETTINGS } from '@/lib/settings';
import type { ClosedDay, QueueSettings, StoredQueueSettings } from '@/types/queue';
import { useLoader } from './useLoader';

export function useQueueSettings(userId: string, clientId: string) {
  const load = useCallback(() => getSettings(userId, clientId), [userId, clientId]);
  const { data, error, loading, reload } = useLoader<StoredQueueSettings | null>(load);
  const [saved, setSaved] = useState<StoredQueueSettings | null>(null);
  const stored = saved ?? data;
  const settings: QueueSettings = stored ?? DEFAULT_SETTINGS;

  const save = useCallback(
    async (next: QueueSettings) => {
      const row = await saveSettings(userId, clientId, next);
      setSaved(row);
      return row;
    },
    [userId, clientId],
  );

  return { settings, stored, error, loading, reload, save };
}

export function useClosedDays(calendar: string, year: number) {
  const load = useCallback(
    () => (calendar === 'none' ? Promise.resolve<ClosedDay[]>([]) : listClosedDays(calendar, year)),
    [calendar, year],
  );
  const { data, error, loading } = useLoader(load);
  return { closedDays: data ?? [], error, loading };
}
