import { createContext, useCallback, useContext, useMemo, useState } from 'react';

export interface NavigationGuard {
  /** A form on the page holds changes that leaving would lose. */
  dirty: boolean;
  setDirty: (dirty: boolean) => void;
  /** Runs `leave` now, or, with unsaved changes, once the user has chosen to discard them. */
  confirm: (leave: () => void) => void;
  /** The leave waiting for the user's answer, if any. */
  pending: (() => void) | null;
  keep: () => void;
  discard: () => void;
}

/** Holds back in-page moves (tabs, links, signing out) while a form has unsaved changes; mounted once by NavigationGuardProvider. */
export function useNavigationGuardSource(): NavigationGuard {
  const [dirty, setDirty] = useState(false);
  const [pending, setPending] = useState<(() => void) | null>(null);

  const confirm = useCallback(
    (leave: () => void) => {
      if (dirty) setPending(() => leave);
      else leave();
    },
    [dirty],
  );
  const keep = useCallback(() => setPending(null), []);
  const discard = useCallback(() => {
    const leave = pending;
    setPending(null);
    setDirty(false);
    leave?.();
  }, [pending]);

  return useMemo(() => ({ dirty, setDirty, confirm, pending, keep, discard }), [dirty, confirm, pending, keep, discard]);
}

const ALWAYS_LEAVE: NavigationGuard = {
  dirty: false,
  setDirty: () => {},
  confirm: (leave) => leave(),
  pending: null,
  keep: () => {},
  discard: () => {},
};

export const NavigationGuardContext = createContext<NavigationGuard>(ALWAYS_LEAVE);

/** The page's guard; outside a NavigationGuardProvider every move goes ahead. */
export function useNavigationGuard(): NavigationGuard {
  return useContext(NavigationGuardContext);
}
