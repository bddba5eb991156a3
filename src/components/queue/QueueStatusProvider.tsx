import type { ReactNode } from 'react';
import { QueueStatusContext, useQueueStatusSource } from '@/hooks/useQueueStatus';

export function QueueStatusProvider({ children }: { children: ReactNode }) {
  const value = useQueueStatusSource();
  return <QueueStatusContext.Provider value={value}>{children}</QueueStatusContext.Provider>;
}
