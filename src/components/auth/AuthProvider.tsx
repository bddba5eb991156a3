import type { ReactNode } from 'react';
import { AuthContext, useAuthSource } from '@/hooks/useAuth';

export function AuthProvider({ children }: { children: ReactNode }) {
  const value = useAuthSource();
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
