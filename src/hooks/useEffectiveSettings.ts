import { useAuth } from './useAuth';
import { useQueueSettings } from './useQueueSettings';

/**
 * The settings that govern the signed-in user's queue. A manager has no row of their own,
 * so their previews use the defaults.
 */
export function useEffectiveSettings() {
  const { user, membership } = useAuth();
  const { settings, loading } = useQueueSettings(user?.id ?? '', membership?.clientId ?? '');
  return { settings: loading ? null : settings };
}
