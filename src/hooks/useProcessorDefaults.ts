import { getProcessorDefaults } from '@/services/queue/queueSettingsService';
import type { ProcessorDefaults } from '@/types/queue';
import { useLoader } from './useLoader';

/** The environment's pacing values (null until loaded, or when they cannot be read). */
export function useProcessorDefaults(): ProcessorDefaults | null {
  const { data } = useLoader(getProcessorDefaults);
  return data ?? null;
}
