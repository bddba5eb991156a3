import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import '@/i18n';
import { AppProviders, AppRoutes } from '@/App';
import { ADMIN, backend, CLIENT_ID, MANAGER } from './backend';

export interface RenderAppOptions {
  /** Start URL; with `ui`, the component is mounted there behind the sign-in gate. */
  route?: string;
  /** Who is signed in: the Demo admin (default), the Demo manager, or nobody. */
  as?: 'admin' | 'manager' | null;
  /** Render this element instead of the app's pages. */
  ui?: ReactElement;
}

/** Mounts the real providers (auth, direction, i18n, toasts) and router, with the fake service layer. */
export function renderApp({ route = '/dashboard', as = 'admin', ui }: RenderAppOptions = {}) {
  if (as === null) {
    backend.user = null;
  } else {
    backend.user = as === 'admin' ? ADMIN : MANAGER;
    backend.memberships = [{ clientId: CLIENT_ID, role: as, clientName: 'Demo' }];
  }
  const user = userEvent.setup();
  const result = render(
    <MemoryRouter initialEntries={[route]}>
      <AppProviders>
        <AppRoutes pages={ui ? [{ path: '*', element: ui }] : undefined} />
      </AppProviders>
    </MemoryRouter>,
  );
  return { user, ...result };
}
