/**
 * Watches every call supabase-js makes (REST, auth, functions share this fetch): whether the API answers,
 * and which calls came back 401. The realtime socket has its own state (see subscribeQueueChanges).
 */
export type ApiState = 'up' | 'down';

let state: ApiState = 'up';
const stateListeners = new Set<(next: ApiState) => void>();
const unauthorizedListeners = new Set<() => void>();

function setState(next: ApiState): void {
  if (next === state) return;
  state = next;
  for (const listener of stateListeners) listener(next);
}

export function apiState(): ApiState {
  return state;
}

export function onApiState(listener: (next: ApiState) => void): () => void {
  stateListeners.add(listener);
  return () => void stateListeners.delete(listener);
}

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => void unauthorizedListeners.delete(listener);
}

function urlOf(input: RequestInfo | URL): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

/** A fetch that records reachability and reports 401s (auth's own endpoints handle theirs); `base` does the request. */
export function createTrackedFetch(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      if (!init?.signal?.aborted) setState('down');
      throw error;
    }
    // A gateway that answers but cannot reach the API is as good as down.
    setState(response.status >= 502 && response.status <= 504 ? 'down' : 'up');
    if (response.status === 401 && !urlOf(input).includes('/auth/v1/')) {
      for (const listener of unauthorizedListeners) listener();
    }
    return response;
  };
}

/** The fetch handed to createClient. */
export const trackedFetch = createTrackedFetch((input, init) => fetch(input, init));
