import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ServiceError } from '@/services/errors';
import * as metricsService from '@/services/queue/queueMetricsService';
import { backend } from '@tests/support/app/backend';
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

  it('lists the active alerts by severity', async () => {
    backend.alerts = [
      { code: 'queue_depth', severity: 'critical', message: 'Queue depth 612 exceeds 500', value: 612, threshold: 500 },
      { code: 'failure_rate', severity: 'warning', message: 'Failure rate 12% exceeds 10%', value: 12, threshold: 10 },
    ];
    renderApp({ ui: <QueueMetricsDisplay /> });
    const alerts = await screen.findByTestId('alerts');
    await waitFor(() => expect(within(alerts).getAllByRole('alert')).toHaveLength(2));
    expect(within(alerts).getByText('Queue depth 612 exceeds 500')).toBeInTheDocument();
    expect(within(alerts).getByText('Critical:')).toBeInTheDocument();
    expect(within(alerts).getByText('Warning:')).toBeInTheDocument();
  });

  it('gives managers the per-admin table', async () => {
    renderApp({ as: 'manager', ui: <QueueMetricsDisplay showPerformance /> });
    const table = await screen.findByTestId('performance-table');
    expect(within(table).getByText('test@test.test')).toBeInTheDocument();
    expect(within(table).getByText('80%')).toBeInTheDocument();
    expect(metricsService.getUserPerformance).toHaveBeenCalledWith(7);
  });

  it('says when no admin was active, and shows load errors', async () => {
    backend.performance = [];
    vi.mocked(metricsService.getHourlyThroughput).mockRejectedValueOnce(
      new ServiceError('bad_response', 'Unexpected queue_hourly_throughput() result: 0.sent: Invalid input: expected number, received string'),
    );
    renderApp({ as: 'manager', ui: <QueueMetricsDisplay showPerformance /> });
    expect(await screen.findByTestId('performance-empty')).toHaveTextContent('No admin activity in the last 7 days.');
    expect(
      await screen.findByText('Could not load: The server sent an answer this app does not understand. Reload the page; if it stays, report it.'),
    ).toBeInTheDocument();
  });
});
