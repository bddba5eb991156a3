import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import { ServiceError } from '@/services/errors';
import * as metricsService from '@/services/queue/queueMetricsService';
import { ADMIN, backend, CLIENT_ID } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { QueueMetricsDisplay } from './QueueMetricsDisplay';

const MONDAY_10 = new Date('2024-01-15T10:00:00+02:00').getTime();

describe('QueueMetricsDisplay', () => {
  it('shows depth, flow, success rate and the hourly chart', async () => {
    renderApp({ ui: <QueueMetricsDisplay /> });
    await waitFor(() => expect(screen.getByTestId('metric-depth')).toHaveTextContent('1'));
    expect(screen.getByTestId('metric-sent')).toHaveTextContent('8');
    expect(screen.getByTestId('metric-failed')).toHaveTextContent('2');
    expect(screen.getByTestId('metric-success')).toHaveTextContent('80%');
    expect(screen.getByTestId('metric-oldest')).toHaveTextContent('2 minutes');
    const chart = await screen.findByTestId('throughput-chart');
    expect(chart).toHaveAccessibleName('8 sent and 2 failed in the last 24 hours');
    expect(screen.queryByTestId('performance-table')).not.toBeInTheDocument();
    // The chart and the alerts are the shown client's, like the cards (an admin of several clients picks one).
    expect(vi.mocked(metricsService.getHourlyThroughput)).toHaveBeenCalledWith(CLIENT_ID, 24);
    expect(vi.mocked(metricsService.getAlerts)).toHaveBeenCalledWith(CLIENT_ID);
  });

  it('the drain is the last waiting item\'s expected send, from queue_drain', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(MONDAY_10);
    backend.status = { ...backend.status, depth: 900 };
    backend.drain = { waiting: 900, drain_at: '2024-01-21T07:10:00.000Z', paused: false };
    renderApp({ ui: <QueueMetricsDisplay /> });
    await waitFor(() => expect(screen.getByTestId('metric-eta')).toHaveTextContent('About 5 days 23 hours (done Sun 21 Jan, 09:10)'));
  });

  it('says paused while processing is paused, however short the queue', async () => {
    backend.drain = { waiting: 1, drain_at: null, paused: true };
    renderApp({ ui: <QueueMetricsDisplay /> });
    await waitFor(() => expect(screen.getByTestId('metric-eta')).toHaveTextContent('Paused: nothing goes until processing starts'));
  });

  it('says the queue is empty, and when nothing happened in 24 hours', async () => {
    backend.status = { ...backend.status, depth: 0, sent_24h: 0, failed_24h: 0, success_rate: null };
    backend.drain = { waiting: 0, drain_at: null, paused: false };
    backend.throughput = [];
    renderApp({ ui: <QueueMetricsDisplay /> });
    await waitFor(() => expect(screen.getByTestId('metric-eta')).toHaveTextContent('Queue is empty'));
    expect(await screen.findByTestId('throughput-empty')).toHaveTextContent('No activity in the last 24 hours.');
    expect(screen.getByTestId('metric-success')).toHaveTextContent('—');
    expect(screen.getByText('No active alerts.')).toBeInTheDocument();
  });

  it('lists the active alerts by severity, in words with their numbers, in English and Hebrew', async () => {
    backend.alerts = [
      { code: 'queue_depth', severity: 'warning', message: 'Queue depth is 612 (alert above 500)', value: 612, threshold: 500 },
      { code: 'failure_rate', severity: 'critical', message: 'Failure rate 12.5% over 24 h (alert above 10%)', value: 12.5, threshold: 10 },
      { code: 'new_alert', severity: 'info', message: 'Something new', value: 3, threshold: 1 },
    ];
    renderApp({ ui: <QueueMetricsDisplay /> });
    const alerts = await screen.findByTestId('alerts');
    await waitFor(() => expect(within(alerts).getAllByRole('alert')).toHaveLength(3));
    expect(alerts).toHaveTextContent('612 items are waiting (alert above 500).');
    expect(alerts).toHaveTextContent('12.5% of the items that finished in the last 24 hours failed (alert above 10%, from 20 finished items).');
    expect(alerts).toHaveTextContent('Alert new_alert: 3.');
    expect(within(alerts).getByText('Critical:')).toBeInTheDocument();
    expect(within(alerts).getByText('Warning:')).toBeInTheDocument();
    await act(() => i18n.changeLanguage('he'));
    expect(alerts).toHaveTextContent('612 פריטים ממתינים (התראה מעל 500).');
  });

  it('gives managers the per-admin table with the cards’ numbers, adding up to the client total', async () => {
    backend.adminStatus = [
      { ...backend.status, user_id: ADMIN.id, client_id: CLIENT_ID, email: ADMIN.email, depth: 1, sent_24h: 6, failed_24h: 1, success_rate: 85.7 },
      { ...backend.status, user_id: 'a0000000-0000-4000-8000-0000000000a2', client_id: CLIENT_ID, email: 'second@test.test', depth: 0, sent_24h: 2, failed_24h: 1, success_rate: 66.7 },
    ];
    renderApp({ as: 'manager', ui: <QueueMetricsDisplay showPerformance /> });
    const table = await screen.findByTestId('performance-table');
    const rows = within(table).getAllByTestId('performance-row');
    expect(rows[0]).toHaveTextContent('test@test.test16185.7%');
    expect(rows[1]).toHaveTextContent('second@test.test02166.7%');
    expect(within(table).getByTestId('performance-total')).toHaveTextContent('Client total18280%');
    expect(screen.getByTestId('metric-failed')).toHaveTextContent('2');
    expect(screen.getByText(/^Counted exactly as the cards above/)).toBeInTheDocument();
  });

  it('says what each card counts, for the keyboard and screen readers too', async () => {
    const { user } = renderApp({ ui: <QueueMetricsDisplay /> });
    const info = await screen.findByRole('button', { name: 'What is counted: Failed (24 h)' });
    expect(info).toHaveAccessibleDescription(/finished as failed in the last 24 hours/);
    await user.tab();
    expect(screen.getByRole('button', { name: 'What is counted: In queue' })).toHaveFocus();
  });

  it('says when the client has no admins, and shows load errors', async () => {
    backend.adminStatus = [];
    vi.mocked(metricsService.getHourlyThroughput).mockRejectedValueOnce(
      new ServiceError('bad_response', 'Unexpected queue_hourly_throughput() result: 0.sent: Invalid input: expected number, received string'),
    );
    renderApp({ as: 'manager', ui: <QueueMetricsDisplay showPerformance /> });
    expect(await screen.findByTestId('performance-empty')).toHaveTextContent('This client has no admins yet.');
    expect(
      await screen.findByText('Could not load: The server sent an answer this app does not understand. Reload the page; if it stays, report it.'),
    ).toBeInTheDocument();
  });
});
