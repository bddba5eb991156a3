import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import { ServiceError } from '@/services/errors';
import * as queueService from '@/services/queue/queueService';
import { backend } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { QueueProcessingStatus } from './QueueProcessingStatus';

describe('QueueProcessingStatus', () => {
  it('shows running, the last run, items in flight and that the window is open now', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-15T10:00:00+02:00').getTime());
    backend.status = { ...backend.status, queued: 3, processing: 1 };
    renderApp({ ui: <QueueProcessingStatus /> });
    expect(await screen.findByTestId('processing-state')).toHaveTextContent('Running');
    expect(screen.getByTestId('last-run')).toHaveTextContent('15 Jan');
    expect(screen.getByTestId('in-flight')).toHaveTextContent('3 claimed, 1 sending');
    await waitFor(() => expect(screen.getByTestId('next-window')).toHaveTextContent('Open now, until Mon 15 Jan, 17:00'));
  });

  it('shows paused, a processor that never ran, and the next opening on a Saturday', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-13T10:00:00+02:00').getTime());
    backend.status = { ...backend.status, processing_state: 'paused', last_processor_run_at: null };
    renderApp({ ui: <QueueProcessingStatus /> });
    expect(await screen.findByTestId('processing-state')).toHaveTextContent('Paused');
    expect(screen.getByTestId('last-run')).toHaveTextContent('Never');
    await waitFor(() => expect(screen.getByTestId('next-window')).toHaveTextContent('Opens Sun 14 Jan, 09:00'));
  });

  it('says when no window opens at all', async () => {
    const closed = { enabled: false, start: '09:00', end: '17:00' };
    backend.settings = {
      ...backend.settings!,
      business_hours: { sunday: closed, monday: closed, tuesday: closed, wednesday: closed, thursday: closed, friday: closed, saturday: closed },
    };
    renderApp({ ui: <QueueProcessingStatus /> });
    await waitFor(() => expect(screen.getByTestId('next-window')).toHaveTextContent('No window in the next weeks'));
  });

  it('shows a status load error', async () => {
    vi.mocked(queueService.getQueueStatus).mockRejectedValue(new ServiceError('forbidden', 'permission denied for function queue_status', { backendCode: '42501' }, 403));
    renderApp({ ui: <QueueProcessingStatus /> });
    expect(await screen.findByText('Could not load: You are not allowed to do this.')).toBeInTheDocument();
  });

  it('speaks Hebrew', async () => {
    await i18n.changeLanguage('he');
    renderApp({ ui: <QueueProcessingStatus /> });
    expect(await screen.findByTestId('processing-state')).toHaveTextContent('פועל');
    expect(screen.getByText('הרצה אחרונה של המעבד')).toBeInTheDocument();
  });
});
