import type { ReactNode } from 'react';
import { QueueScopeContext, useQueueScopeSource } from '@/hooks/useQueueScope';

export function QueueScopeProvider({ children }: { children: ReactNode }) {
  const value = useQueueScopeSource();
  return <QueueScopeContext.Provider value={value}>{children}</QueueScopeContext.Provider>;
}
