import { Suspense } from 'react';
import { Outlet } from 'react-router-dom';
import { ErrorBoundary } from './ErrorBoundary';
import { PageLoading } from './PageLoading';

/** Every page: a failed page shows a way out, a page still loading (a lazy chunk) says so. */
export function RouteRoot() {
  return (
    <ErrorBoundary>
      <Suspense fallback={<PageLoading />}>
        <Outlet />
      </Suspense>
    </ErrorBoundary>
  );
}
