import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import * as authService from '@/services/auth/authService';
import * as queueService from '@/services/queue/queueService';
import * as settingsService from '@/services/queue/queueSettingsService';
import { backend, CLIENT_ID } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';

describe('App', () => {
  it('opens the dashboard for a signed-in admin, with status and metrics', async () => {
    renderApp({ route: '/' });
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    expect(await screen.findByTestId('processing-state')).toHaveTextContent('Running');
    expect(screen.getByTestId('role-badge')).toHaveTextContent('Admin');
    expect(screen.getByTestId('user-email')).toHaveTextContent('test@test.test');
  });

  it('switches to Hebrew right-to-left and remembers it', async () => {
    const { user } = renderApp({ route: '/dashboard' });
    await screen.findByRole('heading', { name: 'Dashboard' });
    await user.selectOptions(screen.getByLabelText('Language'), 'he');
    expect(await screen.findByRole('heading', { name: 'לוח בקרה' })).toBeInTheDocument();
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(document.documentElement).toHaveAttribute('lang', 'he');
    expect(localStorage.getItem('lq.lang')).toBe('he');
    await user.selectOptions(screen.getByLabelText('שפה'), 'en');
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
  });

  it('gives the admin queue, settings and metrics tabs', async () => {
    const { user } = renderApp({ route: '/admin/queue-management' });
    expect(await screen.findByRole('heading', { name: 'Queue management' })).toBeInTheDocument();
    expect(await screen.findByTestId('queue-button')).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(await screen.findByLabelText('Daily target')).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Metrics' }));
    expect(await screen.findByTestId('metric-depth')).toBeInTheDocument();
  });

  it('shows a manager everything read-only', async () => {
    const { user } = renderApp({ route: '/admin/queue-management', as: 'manager' });
    expect(await screen.findByTestId('read-only-notice')).toHaveTextContent('You are viewing as a manager');
    expect(await screen.findByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.queryByTestId('queue-button')).not.toBeInTheDocument();
    expect(screen.queryByTestId('processing-toggle')).not.toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(await screen.findByText('Only admins can change settings.')).toBeInTheDocument();
    expect(screen.getByLabelText('Daily target')).toBeDisabled();
    expect(screen.queryByTestId('save-settings')).not.toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Metrics' }));
    expect(await screen.findByTestId('performance-table')).toBeInTheDocument();
  });

  it('an admin of two businesses picks one in the header: status, settings and the queue follow it, and it is remembered', async () => {
    const second = '22222222-2222-4222-8222-222222222222';
    backend.memberships = [
      { clientId: CLIENT_ID, role: 'admin', clientName: 'Demo' },
      { clientId: second, role: 'admin', clientName: 'Other' },
    ];
    vi.mocked(authService.getMemberships).mockResolvedValue(backend.memberships);
    const { user } = renderApp({ route: '/admin/queue-management' });
    const picker = await screen.findByTestId('client-picker');
    expect(picker).toHaveValue(CLIENT_ID);
    await user.selectOptions(screen.getByLabelText('Business'), second);
    await waitFor(() => expect(queueService.getQueueStatus).toHaveBeenLastCalledWith(second));
    await waitFor(() => expect(queueService.listQueueItems).toHaveBeenLastCalledWith(second, expect.anything()));
    expect(localStorage.getItem('lq.client')).toBe(second);
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    await waitFor(() => expect(settingsService.getSettings).toHaveBeenLastCalledWith(expect.any(String), second));
  });

  it('tells a user without a business what to do', async () => {
    vi.mocked(authService.getMemberships).mockResolvedValue([]);
    renderApp({ route: '/dashboard' });
    expect(await screen.findByText('Your account is not a member of any business. Ask an admin to add you.')).toBeInTheDocument();
  });

  it('signs out back to the sign-in form', async () => {
    const { user } = renderApp({ route: '/dashboard' });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument());
  });

  it('shows not found inside the app', async () => {
    renderApp({ route: '/nowhere' });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});
