import { apiState, onApiState, type ApiState } from '@/integrations/supabase/apiHealth';

export type { ApiState };

/** Whether the API answered the last call; the listener hears every change. */
export function getApiState(): ApiState {
  return apiState();
}

export function subscribeApiState(listener: (state: ApiState) => void): () => void {
  return onApiState(listener);
}
