import { useCallback, useEffect, useRef, useState } from 'react';
import { subscribeApiState } from '@/services/connectionService';
import { toServiceError, type ServiceError, type ServiceErrorCode } from '@/services/errors';

export interface Loaded<T> {
  data: T | null;
  error: ServiceError | null;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replaces the loaded value (after a write whose answer is the new value). */
  mutate: (update: (previous: T | null) => T | null) => void;
}

// Failures that pass by themselves; the others (forbidden, invalid input, …) would fail the same way again.
const TRANSIENT: ServiceErrorCode[] = ['network', 'timeout', 'unavailable', 'server_error', 'rate_limited', 'conflict', 'unauthorized'];
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** The wait before retry number `attempt` (0-based): doubling from 1 s up to 30 s, with ±25 % jitter so tabs do not retry in step. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt) * (0.75 + random() * 0.5);
}

/**
 * Runs `load` now and on `reload()`; a slow earlier answer never overwrites a newer one. A transient
 * failure is retried with backoff, and at once when the API answers again, so its error clears by itself.
 */
export function useLoader<T>(load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload' | 'mutate'>>({ data: null, error: null, loading: true });
  const latest = useRef(0);
  const attempts = useRef(0);

  const reload = useCallback(async () => {
    const id = ++latest.current;
    try {
      const data = await load();
      if (id === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (id === latest.current) setState((prev) => ({ data: prev.data, error: toServiceError(error), loading: false }));
    }
  }, [load]);

  useEffect(() => {
    void reload();
    return () => {
      latest.current += 1;
    };
  }, [reload]);

  const { error } = state;
  useEffect(() => {
    if (!error) {
      attempts.current = 0;
      return;
    }
    if (!TRANSIENT.includes(error.code)) return;
    const wait = Math.max(retryDelay(attempts.current), (error.details.retryAfter ?? 0) * 1000);
    const timer = setTimeout(() => {
      attempts.current += 1;
      void reload();
    }, wait);
    // The API answering any other call is the sign to try again now.
    const unsubscribe = subscribeApiState((api) => {
      if (api === 'up') void reload();
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [error, reload]);

  const mutate = useCallback((update: (previous: T | null) => T | null) => setState((prev) => ({ ...prev, data: update(prev.data) })), []);

  return { ...state, reload, mutate };
}
