import { useCallback, useEffect, useRef, useState } from 'react';
import { toServiceError, type ServiceError } from '@/services/errors';

export interface Loaded<T> {
  data: T | null;
  error: ServiceError | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Runs `load` now and on `reload()`; a slow earlier answer never overwrites a newer one. */
export function useLoader<T>(load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({ data: null, error: null, loading: true });
  const latest = useRef(0);

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
  }, [reload]);

  return { ...state, reload };
}
