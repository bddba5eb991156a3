import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { browserLanguage } from '@/i18n';
import * as authService from '@/services/auth/authService';
import { DEFAULT_SETTINGS } from '@/lib/settings';
import * as queueService from '@/services/queue/queueService';
import * as settingsService from '@/services/queue/queueSettingsService';
import { backend, CLIENT_ID } from '@tests/support/app/backend';
import { emitUnauthorized } from '@tests/support/app/fakes/authService';
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

  it('mirrors the Radix parts too in Hebrew: the tabs run right to left', async () => {
    const { user } = renderApp({ route: '/admin/queue-management' });
    await screen.findByRole('tab', { name: 'Settings' });
    // The page's tabs and the queue list's status tabs.
    const tablists = async () => screen.findAllByRole('tablist');
    for (const list of await tablists()) expect(list.closest('[dir]')).toHaveAttribute('dir', 'ltr');
    await user.selectOptions(screen.getByLabelText('Language'), 'he');
    await waitFor(async () => expect(await tablists()).toHaveLength(2));
    for (const list of await tablists()) {
      expect(list).toHaveAttribute('aria-orientation', 'horizontal');
      expect(list.closest('[dir]')).toHaveAttribute('dir', 'rtl');
    }
  });

  it('opens a first visit in the browser’s language, Hebrew for he-IL', () => {
    expect(browserLanguage(['he-IL', 'en-US'])).toBe('he');
    expect(browserLanguage(['iw'])).toBe('he');
    expect(browserLanguage(['en-GB', 'he'])).toBe('en');
    expect(browserLanguage(['fr-FR', 'he-IL'])).toBe('he');
    expect(browserLanguage(['fr-FR'])).toBeNull();
  });

  it('ends a session revoked elsewhere: the login says why and brings the user back to the same page', async () => {
    const { user } = renderApp({ route: '/admin/queue-management' });
    await screen.findByRole('heading', { name: 'Queue management' });
    backend.sessionRevoked = true;
    act(() => emitUnauthorized());
    expect(await screen.findByTestId('session-ended')).toHaveTextContent('Your session has ended. Sign in again to go back to where you were.');
    backend.sessionRevoked = false;
    await user.type(screen.getByLabelText('Email'), 'test@test.test');
    await user.type(screen.getByLabelText('Password'), 'testtesttest');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Queue management' })).toBeInTheDocument();
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

  it('shows a manager everything read-only, for the admin they pick or the client total', async () => {
    backend.otherAdmins = [
      { userId: 'a0000000-0000-4000-8000-0000000000a2', settings: { ...DEFAULT_SETTINGS, daily_target: 30, processing_state: 'paused', last_processor_run_at: null } },
    ];
    backend.adminStatus = [
      { ...backend.status, user_id: 'a0000000-0000-4000-8000-000000000001', client_id: CLIENT_ID, email: 'test@test.test' },
      { ...backend.status, user_id: 'a0000000-0000-4000-8000-0000000000a2', client_id: CLIENT_ID, email: 'second@test.test', depth: 0, processing_state: 'paused' },
    ];
    const { user } = renderApp({ route: '/admin/queue-management', as: 'manager' });
    expect(await screen.findByTestId('read-only-notice')).toHaveTextContent('You are viewing as a manager');
    expect(await screen.findByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.queryByTestId('queue-button')).not.toBeInTheDocument();
    expect(screen.queryByTestId('processing-toggle')).not.toBeInTheDocument();
    const picker = screen.getByLabelText('Showing');
    expect(within(picker).getAllByRole('option').map((option) => option.textContent)).toEqual(['Client total (all admins)', 'test@test.test', 'second@test.test']);
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(await screen.findByTestId('settings-pick-admin')).toBeInTheDocument();
    await user.selectOptions(picker, 'second@test.test');
    expect(await screen.findByLabelText('Daily target')).toHaveValue('30');
    expect(screen.getByTestId('processing-state')).toHaveTextContent('Paused');
    await user.selectOptions(picker, 'test@test.test');
    await waitFor(() => expect(screen.getByLabelText('Daily target')).toHaveValue('45'));
    expect(screen.getByTestId('processing-state')).toHaveTextContent('Running');
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
    await waitFor(() => expect(queueService.listQueuePage).toHaveBeenLastCalledWith(second, expect.anything(), null));
    expect(localStorage.getItem('lq.client')).toBe(second);
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    await waitFor(() => expect(settingsService.listAdminSettings).toHaveBeenLastCalledWith(second));
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
