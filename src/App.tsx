import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { Toaster } from 'sonner';
import { AuthProvider } from '@/components/auth/AuthProvider';
import { AppShell } from '@/components/layout/AppShell';
import { ErrorBoundary } from '@/components/layout/ErrorBoundary';
import { PageLoading } from '@/components/layout/PageLoading';
import { RequireAuth } from '@/components/layout/RequireAuth';
import { useLang } from '@/hooks/useLang';
import Dashboard from '@/pages/Dashboard';
import Login from '@/pages/Login';
import NotFound from '@/pages/NotFound';

// The admin page (lead grid, settings, charts) loads only when opened.
const QueueManagement = lazy(() => import('@/pages/admin/QueueManagement'));

function Toasts() {
  const { dir } = useLang();
  return (
    <Toaster
      position="top-center"
      dir={dir}
      closeButton
      // Sonner's rich colours fail WCAG contrast; plain toasts with a coloured edge keep it.
      toastOptions={{
        classNames: {
          success: 'toast-success !border-s-4 !border-s-success',
          error: 'toast-error !border-s-4 !border-s-destructive',
          warning: 'toast-warning !border-s-4 !border-s-warning',
          info: 'toast-info !border-s-4 !border-s-info',
        },
      }}
    />
  );
}

export function AppProviders({ children }: { children: ReactNode }) {
  return (
    <AuthProvider>
      {children}
      <Toasts />
    </AuthProvider>
  );
}

export function AppRoutes() {
  return (
    <ErrorBoundary>
      <Suspense fallback={<PageLoading />}>
        <Routes>
          <Route path="/login" element={<Login />} />
          <Route element={<RequireAuth />}>
            <Route element={<AppShell />}>
              <Route path="/" element={<Navigate to="/dashboard" replace />} />
              <Route path="/dashboard" element={<Dashboard />} />
              <Route path="/admin/queue-management" element={<QueueManagement />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Route>
        </Routes>
      </Suspense>
    </ErrorBoundary>
  );
}

export default function App() {
  return (
    <BrowserRouter>
      <AppProviders>
        <AppRoutes />
      </AppProviders>
    </BrowserRouter>
  );
}
