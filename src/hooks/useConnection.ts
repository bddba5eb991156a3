import { useEffect, useState } from 'react';
import { getApiState, subscribeApiState } from '@/services/connectionService';

/** Whether the API answers, as the last call found it. */
export function useConnection(): { apiUp: boolean } {
  const [state, setState] = useState(getApiState);
  useEffect(() => subscribeApiState(setState), []);
  return { apiUp: state === 'up' };
}
