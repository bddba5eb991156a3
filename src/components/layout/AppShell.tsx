import type { MouseEvent, ReactNode } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { LayoutDashboard, ListOrdered, LogOut } from 'lucide-react';
import { toast } from 'sonner';
import { useAuth } from '@/hooks/useAuth';
import { useErrorText } from '@/hooks/useErrorText';
import { useNavigationGuard } from '@/hooks/useNavigationGuard';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { NativeSelect } from '@/components/ui/native-select';
import { cn } from '@/lib/utils';
import { LanguageSwitcher } from './LanguageSwitcher';
import { NavigationGuardProvider } from './NavigationGuardProvider';

function navClass({ isActive }: { isActive: boolean }) {
  return cn(
    'inline-flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
    isActive ? 'bg-primary text-primary-foreground' : 'text-foreground hover:bg-muted',
  );
}

/** A header link that first asks when the page holds unsaved changes. */
function GuardedNavLink({ to, children }: { to: string; children: ReactNode }) {
  const guard = useNavigationGuard();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (!guard.dirty || pathname === to) return;
    event.preventDefault();
    guard.confirm(() => navigate(to));
  };
  return (
    <NavLink to={to} className={navClass} onClick={onClick}>
      {children}
    </NavLink>
  );
}

export function AppShell() {
  return (
    <NavigationGuardProvider>
      <Shell />
    </NavigationGuardProvider>
  );
}

function Shell() {
  const { t } = useTranslation();
  const { user, membership, memberships, selectClient, signOut } = useAuth();
  const errorText = useErrorText();
  const guard = useNavigationGuard();
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:start-2 focus:top-2 focus:z-50 focus:rounded focus:bg-card focus:p-2">
        {t('app.skipToContent')}
      </a>
      <header className="border-b border-border bg-card">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3">
          <span className="text-lg font-bold text-primary">{t('app.name')}</span>
          <nav aria-label={t('app.nav.main')} className="flex flex-wrap gap-1">
            <GuardedNavLink to="/dashboard">
              <LayoutDashboard className="size-4" aria-hidden="true" />
              {t('app.nav.dashboard')}
            </GuardedNavLink>
            <GuardedNavLink to="/admin/queue-management">
              <ListOrdered className="size-4" aria-hidden="true" />
              {t('app.nav.queue')}
            </GuardedNavLink>
          </nav>
          <div className="ms-auto flex min-w-0 flex-wrap items-center gap-3">
            {membership && memberships.length > 1 && (
              <label className="flex min-w-0 items-center gap-2 text-sm">
                <span className="text-muted-foreground">{t('app.client')}</span>
                <NativeSelect
                  data-testid="client-picker"
                  className="max-w-48 truncate"
                  value={membership.clientId}
                  options={memberships.map((each) => ({ value: each.clientId, label: each.clientName ?? each.clientId }))}
                  // Another client's settings replace the form: unsaved changes ask first, as a link does.
                  onValueChange={(clientId) => (guard.dirty ? guard.confirm(() => selectClient(clientId)) : selectClient(clientId))}
                />
              </label>
            )}
            {membership && (
              <Badge variant={membership.role === 'admin' ? 'info' : 'warning'} data-testid="role-badge">
                {t(`app.role.${membership.role}`)}
              </Badge>
            )}
            <span className="hidden text-sm text-muted-foreground md:inline" data-testid="user-email">
              {user?.email}
            </span>
            <LanguageSwitcher />
            <Button
              variant="outline"
              size="sm"
              onClick={() => guard.confirm(() => void signOut().catch((failure: unknown) => toast.error(errorText(failure))))}
            >
              <LogOut className="rtl-mirror" aria-hidden="true" />
              {t('app.signOut')}
            </Button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none">
        <Outlet />
      </main>
    </div>
  );
}
