import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useAuth } from '@/hooks/useAuth';
import { useErrorText } from '@/hooks/useErrorText';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { QueueScopeProvider } from '@/components/queue/QueueScopeProvider';
import { QueueStatusProvider } from '@/components/queue/QueueStatusProvider';
import { PageLoading } from './PageLoading';

/** Sends signed-out visitors to /login, remembering where they were or wanted to go; signed-in pages share the scope and the queue status. */
export function RequireAuth() {
  const { status, membership, membershipError } = useAuth();
  const location = useLocation();
  const { t } = useTranslation();
  const errorText = useErrorText();
  if (status === 'loading') return <PageLoading />;
  if (status === 'signedOut') return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  if (!membership) {
    return (
      <Alert variant={membershipError ? 'destructive' : 'warning'} className="mx-auto mt-8 max-w-xl">
        <AlertDescription>{membershipError ? t('common.loadError', { message: errorText(membershipError) }) : t('app.noMembership')}</AlertDescription>
      </Alert>
    );
  }
  return (
    <QueueScopeProvider>
      <QueueStatusProvider>
        <Outlet />
      </QueueStatusProvider>
    </QueueScopeProvider>
  );
}
