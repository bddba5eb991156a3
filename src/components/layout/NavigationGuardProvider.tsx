import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { NavigationGuardContext, useNavigationGuardSource } from '@/hooks/useNavigationGuard';

// The question is rare: its dialog (and Radix Dialog) loads only when it is asked.
const UnsavedChangesDialog = lazy(() => import('@/components/queue/UnsavedChangesDialog'));

/** Asks before unsaved changes are lost: on tab switches, links and sign-out here, and on reload or close by the browser. */
export function NavigationGuardProvider({ children }: { children: ReactNode }) {
  const guard = useNavigationGuardSource();
  const { dirty } = guard;

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  return (
    <NavigationGuardContext.Provider value={guard}>
      {children}
      {guard.pending && (
        <Suspense fallback={null}>
          <UnsavedChangesDialog open onKeep={guard.keep} onDiscard={guard.discard} />
        </Suspense>
      )}
    </NavigationGuardContext.Provider>
  );
}
