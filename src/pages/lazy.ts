import { lazy } from 'react';

// The admin page (lead grid, settings, charts) loads only when opened.
export const QueueManagement = lazy(() => import('@/pages/admin/QueueManagement'));
