import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import { ServiceError } from '@/services/errors';
import * as settingsService from '@/services/queue/queueSettingsService';
import { backend, CLIENT_ID } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { QueueSettingsPanel } from './QueueSettingsPanel';

const SATURDAY = new Date('2024-01-13T10:00:00+02:00').getTime();
const renderPanel = () => renderApp({ ui: <QueueSettingsPanel /> });

describe('QueueSettingsPanel', () => {
  it('shows the stored settings, the holidays of the next twelve months as the rules treat them, and the next window', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(SATURDAY);
    renderPanel();
    expect(await screen.findByLabelText('Daily target')).toHaveValue('45');
    expect(screen.getByLabelText('Daily capacity')).toHaveValue('200');
    expect(screen.getByLabelText('Time zone')).toHaveValue('Asia/Jerusalem');
    expect(screen.getByText('Holidays in the next 12 months')).toBeInTheDocument();
    // The holiday list and the next-window preview load on their own (the preview lazily imports the calendar).
    const days = await screen.findByTestId('closed-days', {}, { timeout: 5000 });
    expect(within(days).getByText(/Pesach I: closed/)).toBeInTheDocument();
    // An eve is a working day unless the admin closes early: the list says what queueing on it does.
    expect(days.querySelector('[data-date="2024-04-22"]')).toHaveTextContent('Mon 22 April — Eve of Pesach I: open 09:00–17:00');
    // Twelve months from 13 January 2024: Chanukah-free, so the last listed day is before 13 January 2025.
    const listed = [...days.querySelectorAll('[data-date]')].map((item) => item.getAttribute('data-date') ?? '');
    expect(listed[0]! >= '2024-01-13' && listed.at(-1)! < '2025-01-13').toBe(true);
    expect(listed).toContain('2024-10-03');
    // Saturday 10:00 in Jerusalem: the next window is Sunday 09:00-17:00.
    await waitFor(() => expect(screen.getByTestId('settings-preview')).toHaveTextContent(/Opens Sun 14 Jan, 09:00, closes Sun 14 Jan, 17:00/), { timeout: 5000 });
  });

  it('lists a short eve when the admin closes early on holiday eves, and the year for dates of another year', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-12-20T10:00:00+02:00').getTime());
    const { user } = renderPanel();
    await user.click(await screen.findByRole('switch', { name: 'Close early on holiday eves' }));
    const days = await screen.findByTestId('closed-days', {}, { timeout: 5000 });
    await waitFor(() => expect(days.querySelector('[data-date="2025-04-12"]')).toHaveTextContent('Sat, 12 April 2025 — Eve of Pesach I: closed'));
    expect(days.querySelector('[data-date="2025-06-01"]')).toHaveTextContent('Sun, 1 June 2025 — Eve of Shavuot: open 09:00–13:00');
  });

  it('saves valid settings and keeps them', async () => {
    const { user } = renderPanel();
    const target = await screen.findByLabelText('Daily target');
    await user.clear(target);
    await user.type(target, '60');
    await user.click(screen.getByRole('switch', { name: 'Friday: Open' }));
    await user.type(screen.getByLabelText('Add date'), '2024-03-01');
    await user.click(screen.getByRole('button', { name: 'Add date' }));
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    const [, clientId, saved] = vi.mocked(settingsService.saveSettings).mock.calls[0]!;
    expect(clientId).toBe(CLIENT_ID);
    expect(saved.daily_target).toBe(60);
    expect(saved.business_hours.friday.enabled).toBe(true);
    expect(saved.closed_dates).toEqual(['2024-03-01']);
    expect(backend.settings?.daily_target).toBe(60);
  });

  it('shows the server\'s default where the admin has no value of their own, and saves an emptied field as the default (null)', async () => {
    backend.settings = { ...backend.settings!, processing_delay_ms: 5000 };
    const { user } = renderPanel();
    const batch = await screen.findByLabelText('Batch size');
    expect(batch).toHaveValue('');
    expect(await screen.findByTestId('default-batch_size')).toHaveTextContent('Default (from the server): 10');
    expect(screen.getByTestId('default-rate_limit_per_hour')).toHaveTextContent('Default (from the server): 1000');
    const delay = screen.getByLabelText('Delay between messages (ms)');
    expect(delay).toHaveValue('5000');
    expect(screen.getByTestId('default-processing_delay_ms')).toHaveTextContent('Your value; empty it to use the server default.');
    await user.clear(delay);
    expect(screen.getByTestId('default-processing_delay_ms')).toHaveTextContent('Default (from the server): 2000');
    await user.type(batch, '5');
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    const [, , saved] = vi.mocked(settingsService.saveSettings).mock.calls[0]!;
    expect(saved).toMatchObject({ batch_size: 5, processing_delay_ms: null, rate_limit_per_hour: null });
  });

  it('explains every invalid field and saves nothing', async () => {
    const { user } = renderPanel();
    const target = await screen.findByLabelText('Daily target');
    await user.clear(target);
    await user.type(target, '500');
    const batch = screen.getByLabelText('Batch size');
    await user.clear(batch);
    await user.type(batch, '1.5');
    const delay = screen.getByLabelText('Delay between messages (ms)');
    await user.clear(delay);
    await user.type(delay, '-1');
    const zone = screen.getByLabelText('Time zone');
    await user.clear(zone);
    await user.type(zone, 'Mars/Olympus');
    await user.clear(screen.getByLabelText('Monday To'));
    await user.type(screen.getByLabelText('Monday To'), '08:00');
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByText('Fix the highlighted fields first.')).toBeInTheDocument();
    expect(screen.getByText('The daily target cannot exceed the daily capacity')).toBeInTheDocument();
    expect(screen.getByText('Enter a whole number')).toBeInTheDocument();
    expect(screen.getByText('Enter a number from 0 to 60000')).toBeInTheDocument();
    expect(screen.getByText('Unknown time zone')).toBeInTheDocument();
    expect(screen.getByText('Closing time must be after opening time')).toBeInTheDocument();
    expect(screen.getByLabelText('Daily target')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Daily target')).toHaveAccessibleDescription('The daily target cannot exceed the daily capacity');
    expect(settingsService.saveSettings).not.toHaveBeenCalled();
    expect(screen.getByTestId('settings-preview')).toHaveTextContent('Preview not available.');
  });

  it('offers a searchable list of time zones: typing filters it, arrows and Enter pick one', async () => {
    const { user } = renderPanel();
    const zone = await screen.findByRole('combobox', { name: 'Time zone' });
    await user.clear(zone);
    await user.type(zone, 'new_y');
    const list = screen.getByRole('listbox', { name: 'Time zones' });
    expect(within(list).getAllByRole('option').map((option) => option.textContent)).toContain('America/New_York');
    expect(within(list).queryByRole('option', { name: 'Asia/Jerusalem' })).not.toBeInTheDocument();
    const first = within(list).getAllByRole('option')[0]!.textContent;
    await user.keyboard('{ArrowDown}{ArrowUp}{Enter}');
    expect(zone).toHaveValue(first);
    expect(zone).toHaveAttribute('aria-expanded', 'false');
    await user.clear(zone);
    await user.type(zone, 'Asia/Jerus');
    await user.click(screen.getByRole('option', { name: 'Asia/Jerusalem' }));
    expect(zone).toHaveValue('Asia/Jerusalem');
    // posix/ names are not offered: the database refuses them, and Intl does not know them.
    await user.clear(zone);
    await user.type(zone, 'posix');
    expect(screen.getByText('No time zone matches')).toBeInTheDocument();
  });

  it('validates in Hebrew', async () => {
    await i18n.changeLanguage('he');
    const { user } = renderPanel();
    const target = await screen.findByLabelText('יעד יומי');
    await user.clear(target);
    await user.type(target, 'abc');
    await user.click(screen.getByTestId('save-settings'));
    expect(await screen.findByText('הזן מספר שלם')).toBeInTheDocument();
  });

  it('refuses a closed week and a duplicate closed date', async () => {
    backend.settings = { ...backend.settings!, closed_dates: ['2024-03-01'] };
    const { user } = renderPanel();
    await screen.findByLabelText('Daily target');
    for (const day of ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday']) {
      await user.click(screen.getByRole('switch', { name: `${day}: Open` }));
    }
    await user.type(screen.getByLabelText('Add date'), '2024-03-01');
    await user.click(screen.getByRole('button', { name: 'Add date' }));
    await user.click(screen.getByTestId('save-settings'));
    expect(await screen.findByText('Open at least one day')).toBeInTheDocument();
    expect(screen.getByText('This date is already listed')).toBeInTheDocument();
  });

  it('reports a failed save in words, never the database message', async () => {
    vi.mocked(settingsService.saveSettings).mockRejectedValueOnce(
      new ServiceError('invalid_input', 'new row violates check constraint "settings_capacity_range"', { backendCode: '23514' }, 400),
    );
    const { user } = renderPanel();
    await user.click(await screen.findByTestId('save-settings'));
    expect(await screen.findByText('Settings were not saved: The server did not accept this input. Check the values and try again.')).toBeInTheDocument();
  });

  it('puts the focus on the first invalid field, and back on Save after saving', async () => {
    const { user } = renderPanel();
    const target = await screen.findByLabelText('Daily target');
    await user.clear(target);
    await user.type(target, '0');
    await user.clear(screen.getByLabelText('Monday To'));
    await user.type(screen.getByLabelText('Monday To'), '08:00');
    await user.click(screen.getByTestId('save-settings'));
    expect(screen.getByLabelText('Monday To')).toHaveFocus();
    expect(screen.getByText('Enter a number from 1 to 100000')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Monday To'));
    await user.type(screen.getByLabelText('Monday To'), '17:00');
    await user.click(screen.getByTestId('save-settings'));
    expect(target).toHaveFocus();
    await user.clear(target);
    await user.type(target, '40');
    await user.click(screen.getByTestId('save-settings'));
    expect(await screen.findByText('Settings saved')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('save-settings')).toHaveFocus());
  });

  it('starts from the defaults when the admin has no settings yet, without a calendar when none', async () => {
    backend.settings = null;
    const { user } = renderPanel();
    expect(await screen.findByLabelText('Daily target')).toHaveValue('45');
    await user.selectOptions(screen.getByLabelText('Holiday calendar'), 'none');
    expect(screen.queryByText('Holidays in the next 12 months')).not.toBeInTheDocument();
    expect(screen.getByText('No extra closed dates.')).toBeInTheDocument();
  });

  it('shows a load error with a retry', async () => {
    vi.mocked(settingsService.listAdminSettings).mockRejectedValueOnce(new ServiceError('forbidden', 'permission denied', { backendCode: '42501' }, 403));
    const { user } = renderPanel();
    expect(await screen.findByText('Could not load: You are not allowed to do this.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByLabelText('Daily target')).toBeInTheDocument();
  });

  it('asks before unsaved settings are lost to a tab switch or a link, and keeps them when asked to', async () => {
    const { user } = renderApp({ route: '/admin/queue-management' });
    await user.click(await screen.findByRole('tab', { name: 'Settings' }));
    const target = await screen.findByLabelText('Daily target');
    await user.clear(target);
    await user.type(target, '60');
    await user.click(screen.getByRole('tab', { name: 'Metrics' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Discard unsaved settings?' });
    await user.click(within(dialog).getByRole('button', { name: 'Keep editing' }));
    expect(screen.getByLabelText('Daily target')).toHaveValue('60');

    await user.click(screen.getByRole('link', { name: 'Dashboard' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Keep editing' }));
    expect(screen.getByRole('heading', { name: 'Queue management' })).toBeInTheDocument();

    await user.click(screen.getByRole('tab', { name: 'Metrics' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(await screen.findByTestId('metric-depth')).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Dashboard' }));
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
  });

  it('moves the processing card at once when today is saved as a closed day', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-15T10:00:00+02:00').getTime());
    const { user } = renderApp({ route: '/admin/queue-management' });
    await waitFor(() => expect(screen.getByTestId('next-window')).toHaveTextContent('Open now, until Mon 15 Jan, 17:00'));
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    await user.type(await screen.findByLabelText('Add date', { selector: 'input' }), '2024-01-15');
    await user.click(screen.getByRole('button', { name: 'Add date' }));
    await user.click(screen.getByTestId('save-settings'));
    await waitFor(() => expect(screen.getByTestId('next-window')).toHaveTextContent('Opens Tue 16 Jan, 09:00'));
  });
});
