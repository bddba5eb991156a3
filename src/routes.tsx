import { Navigate, type RouteObject } from 'react-router-dom';
import { AppShell } from '@/components/layout/AppShell';
import { RequireAuth } from '@/components/layout/RequireAuth';
import { RouteRoot } from '@/components/layout/RouteRoot';
import Dashboard from '@/pages/Dashboard';
import Login from '@/pages/Login';
import NotFound from '@/pages/NotFound';
import { QueueManagement } from '@/pages/lazy';

const pages: RouteObject[] = [
  {
    element: <AppShell />,
    children: [
      { path: '/', element: <Navigate to="/dashboard" replace /> },
      { path: '/dashboard', element: <Dashboard /> },
      { path: '/admin/queue-management', element: <QueueManagement /> },
      { path: '*', element: <NotFound /> },
    ],
  },
];

/** The app's routes; `signedIn` replaces the pages behind the sign-in gate. */
export function appRoutes(signedIn: RouteObject[] = pages): RouteObject[] {
  return [
    {
      element: <RouteRoot />,
      children: [
        { path: '/login', element: <Login /> },
        { element: <RequireAuth />, children: signedIn },
      ],
    },
  ];
}
