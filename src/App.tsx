import type { ReactNode } from 'react';
import { BrowserRouter, useRoutes, type RouteObject } from 'react-router-dom';
import { DirectionProvider } from '@radix-ui/react-direction';
import { useTranslation } from 'react-i18next';
import { Toaster } from 'sonner';
import { AuthProvider } from '@/components/auth/AuthProvider';
import { useLang } from '@/hooks/useLang';
import { appRoutes } from '@/routes';

function Toasts() {
  const { dir } = useLang();
  const { t } = useTranslation();
  return (
    <Toaster
      position="top-center"
      dir={dir}
      closeButton
      containerAriaLabel={t('common.notifications')}
      // Sonner's rich colours fail WCAG contrast; plain toasts with a coloured edge keep it.
      toastOptions={{
        closeButtonAriaLabel: t('common.closeNotification'),
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

/** Radix primitives (tabs, selects, switches, dialogs) take the reading direction from here, not from <html dir>. */
function Direction({ children }: { children: ReactNode }) {
  const { dir } = useLang();
  return <DirectionProvider dir={dir}>{children}</DirectionProvider>;
}

export function AppProviders({ children }: { children: ReactNode }) {
  return (
    <Direction>
      <AuthProvider>
        {children}
        <Toasts />
      </AuthProvider>
    </Direction>
  );
}

/** The app's pages; `pages` replaces what sits behind the sign-in gate (component tests mount one component there). */
export function AppRoutes({ pages }: { pages?: RouteObject[] }) {
  return useRoutes(appRoutes(pages));
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
