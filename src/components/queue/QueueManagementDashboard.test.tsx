import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import { ServiceError } from '@/services/errors';
import * as queueChangesService from '@/services/queue/queueChangesService';
import * as queueService from '@/services/queue/queueService';
import { emitApiState } from '@tests/support/app/fakes/connectionService';
import { emitChannelState, emitQueueChange } from '@tests/support/app/fakes/queueChangesService';
import { ADMIN, backend, CLIENT_ID, queueItem } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { QueueManagementDashboard } from './QueueManagementDashboard';

const renderDashboard = (as: 'admin' | 'manager' = 'admin') => renderApp({ as, ui: <QueueManagementDashboard /> });

describe('QueueManagementDashboard', () => {
  it('shows the pending depth from queue_status and the items with status and priority badges', async () => {
    renderDashboard();
    await waitFor(() => expect(screen.getByTestId('queue-depth')).toHaveTextContent('1'));
    const rows = await screen.findAllByTestId('queue-item');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('Yossi Peretz')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('Pending')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('Normal')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Failed')).toBeInTheDocument();
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live');
  });

  it('shows an item error as an alert in words, never the Agent DB’s raw answer', async () => {
    renderDashboard();
    const rows = await screen.findAllByTestId('queue-item');
    expect(within(rows[1]!).getByRole('alert')).toHaveTextContent('The Agent DB refused the message (HTTP 400).');
    expect(screen.queryByText(/bad phone/)).not.toBeInTheDocument();
  });

  it('opens an item’s details with the full name, the number as dialled in Israel and the code for support', async () => {
    const long = 'Avraham '.repeat(25).trim();
    backend.items = [queueItem(2, { leadName: long, status: 'failed', attempts: 5, last_error: 'HTTP 400 {"message":"Invalid WhatsApp number"}', error_code: 'http_400' })];
    const { user } = renderDashboard();
    const trigger = await screen.findByTestId('item-details');
    expect(trigger).toHaveAttribute('title', long);
    await user.click(trigger);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('heading')).toHaveTextContent(long);
    expect(dialog).toHaveTextContent('050-000-0002');
    expect(dialog).toHaveTextContent('5 of 5');
    expect(dialog).toHaveTextContent('Code for support: http_400');
    expect(dialog).not.toHaveTextContent('Invalid WhatsApp number');
    expect(within(dialog).getByRole('button', { name: `Retry item for ${long}` })).toBeInTheDocument();
  });

  it('pauses and starts processing through set_processing_state, showing the persisted state', async () => {
    const { user } = renderDashboard();
    const toggle = await screen.findByTestId('processing-toggle');
    expect(toggle).toHaveTextContent('Pause processing');
    await user.click(toggle);
    expect(queueService.setProcessingState).toHaveBeenCalledWith('paused', CLIENT_ID);
    await waitFor(() => expect(screen.getByTestId('processing-toggle')).toHaveTextContent('Start processing'));
    expect(await screen.findByText('Processing paused')).toBeInTheDocument();
    await user.click(screen.getByTestId('processing-toggle'));
    expect(queueService.setProcessingState).toHaveBeenLastCalledWith('running', CLIENT_ID);
    await waitFor(() => expect(screen.getByTestId('processing-toggle')).toHaveTextContent('Pause processing'));
  });

  it('reports a failed start/pause', async () => {
    vi.mocked(queueService.setProcessingState).mockRejectedValueOnce(
      new ServiceError('forbidden', 'Only a client admin can start or pause processing', { backendCode: '42501' }, 403),
    );
    const { user } = renderDashboard();
    await user.click(await screen.findByTestId('processing-toggle'));
    expect(await screen.findByText('You are not allowed to do this.')).toBeInTheDocument();
  });

  it('cancels a pending item and retries a failed one', async () => {
    const { user } = renderDashboard();
    await user.click(await screen.findByRole('button', { name: 'Cancel item for Yossi Peretz' }));
    expect(queueService.cancelQueueItems).toHaveBeenCalledWith([queueItem(4).id]);
    expect(await screen.findByText('1 item cancelled')).toBeInTheDocument();
    await waitFor(() => expect(within(screen.getAllByTestId('queue-item')[0]!).getByText('Cancelled')).toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: 'Retry item for Dana Levi' }));
    expect(queueService.retryQueueItems).toHaveBeenCalledWith([queueItem(2).id]);
    expect(await screen.findByText('1 item sent back to the queue')).toBeInTheDocument();
    await waitFor(() => expect(within(screen.getAllByTestId('queue-item')[1]!).getByText('Pending')).toBeInTheDocument());
  });

  it('retries every failed item at once', async () => {
    backend.items = [queueItem(1, { status: 'failed', last_error: 'timeout' }), queueItem(2, { status: 'failed', last_error: 'timeout' }), queueItem(3)];
    const { user } = renderDashboard();
    await user.click(await screen.findByRole('button', { name: 'Retry all failed (2)' }));
    expect(queueService.retryQueueItems).toHaveBeenCalledWith([queueItem(1).id, queueItem(2).id]);
    expect(await screen.findByText('2 items sent back to the queue')).toBeInTheDocument();
  });

  it('"cancel all" asks first, then cancels every waiting item of the client in one call (375, not the loaded page)', async () => {
    backend.status = { ...backend.status, depth: 370, queued: 5 };
    backend.items = [queueItem(1), queueItem(2)];
    vi.mocked(queueService.cancelWaitingItems).mockResolvedValueOnce(375);
    const { user } = renderDashboard();
    await user.click(await screen.findByRole('button', { name: 'Cancel all waiting (375)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Cancel all 375 waiting items?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(queueService.cancelWaitingItems).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Cancel all waiting (375)' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel 375 items' }));
    expect(queueService.cancelWaitingItems).toHaveBeenCalledWith(CLIENT_ID);
    expect(queueService.cancelQueueItems).not.toHaveBeenCalled();
    expect(await screen.findByText('375 items cancelled')).toBeInTheDocument();
  });

  it.each([
    ['en', 'Why / when', 'Daily capacity reached — Sun 09:00', '137 of 200 sent today'],
    ['he', 'למה / מתי', 'הגיע למכסה היומית — ', '137 מתוך 200 נשלחו היום'],
  ])('shows why each waiting item waits and until when, and the capacity meter (%s)', async (lang, heading, sentence, meter) => {
    await i18n.changeLanguage(lang);
    backend.items = [
      queueItem(1, {
        outlook: { waiting_for: 'daily_capacity', waiting_until: '2024-01-14T07:00:00Z', expected_send_at: '2024-01-14T07:00:00Z', holiday_name: null, error_code: null, attempt: 0, max_attempts: 5 },
      }),
    ];
    renderDashboard();
    expect(await screen.findByRole('columnheader', { name: heading })).toBeInTheDocument();
    expect(await screen.findByTestId('waiting-reason')).toHaveTextContent(sentence);
    expect(await screen.findByTestId('capacity-meter')).toHaveTextContent(meter);
  });

  it("opens an item's history from its row", async () => {
    backend.history = [
      { queue_item_id: queueItem(4).id, id: 1, action: 'enqueued', from_status: null, to_status: 'pending', actor_id: ADMIN.id, details: { scheduled_for: '2024-01-15T08:00:00Z' }, created_at: '2024-01-15T07:59:00Z' },
    ];
    const { user } = renderDashboard();
    const rows = await screen.findAllByTestId('queue-item');
    await user.click(within(rows[0]!).getByRole('button', { name: 'History of Yossi Peretz' }));
    const dialog = await screen.findByRole('dialog', { name: 'History of Yossi Peretz' });
    const steps = await within(dialog).findAllByRole('listitem');
    expect(steps.map((step) => step.querySelector('span')?.textContent)).toEqual(['Queued by you, to go from Mon, 15 Jan 2024, 10:00']);
    expect(queueService.getItemHistory).toHaveBeenCalledWith(queueItem(4).id);
  });

  it('says so when a cancel changed nothing, and shows a failed cancel', async () => {
    vi.mocked(queueService.cancelQueueItems).mockResolvedValueOnce(0).mockRejectedValueOnce(new ServiceError('network', 'TypeError: Failed to fetch', {}, 0));
    const { user } = renderDashboard();
    const cancel = await screen.findByRole('button', { name: 'Cancel item for Yossi Peretz' });
    await user.click(cancel);
    expect(await screen.findByText('Nothing changed: the item had already moved on.')).toBeInTheDocument();
    await user.click(cancel);
    expect(await screen.findByText('The server could not be reached. Check your connection.')).toBeInTheDocument();
  });

  it('filters the list by status tab, each tab with its count', async () => {
    const { user } = renderDashboard();
    await screen.findAllByTestId('queue-item');
    await waitFor(() => expect(screen.getByRole('tab', { name: 'All 2' })).toHaveAttribute('aria-selected', 'true'));
    expect(screen.getByRole('tab', { name: 'Pending 1' })).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Failed 1' }));
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(1));
    expect(queueService.listQueuePage).toHaveBeenLastCalledWith(expect.any(String), { status: 'failed', search: '' }, null);
    await user.click(screen.getByRole('tab', { name: 'Sent 0' }));
    expect(await screen.findByTestId('queue-empty')).toHaveTextContent('Nothing in the queue with this status.');
  });

  it('retries a failed load by itself and clears the error when the API answers again', async () => {
    vi.mocked(queueService.listQueuePage).mockRejectedValueOnce(new ServiceError('network', 'Failed to fetch', {}, 0));
    renderDashboard();
    expect(await screen.findByText('Could not load: The server could not be reached. Check your connection.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText(/Could not load/)).not.toBeInTheDocument(), { timeout: 4000 });
    expect(await screen.findAllByTestId('queue-item')).toHaveLength(2);
  });

  it('shows the badge offline while the API does not answer, and live again after', async () => {
    renderDashboard();
    await waitFor(() => expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live'));
    act(() => emitApiState('down'));
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Offline — the server cannot be reached; retrying');
    act(() => emitApiState('up'));
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live');
  });

  it('shows an empty queue and list load errors with a retry', async () => {
    backend.items = [];
    backend.status = { ...backend.status, depth: 0 };
    vi.mocked(queueService.listQueuePage).mockRejectedValueOnce(new ServiceError('network', 'AbortError: The operation timed out', {}, 0));
    const { user } = renderDashboard();
    expect(await screen.findByText('Could not load: The server could not be reached. Check your connection.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('queue-empty')).toBeInTheDocument();
    expect(screen.getByTestId('queue-depth')).toHaveTextContent('0');
  });

  it('coalesces a burst of realtime changes into one refetch', async () => {
    renderDashboard();
    await screen.findAllByTestId('queue-item');
    const before = vi.mocked(queueService.listQueuePage).mock.calls.length;
    backend.items = [queueItem(4, { leadName: 'Yossi Peretz', status: 'sent' })];
    backend.status = { ...backend.status, depth: 0 };
    act(() => {
      for (let i = 0; i < 50; i += 1) emitQueueChange();
    });
    await waitFor(() => expect(screen.getByTestId('queue-depth')).toHaveTextContent('0'));
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(1));
    expect(within(screen.getByTestId('queue-item')).getByText('Sent')).toBeInTheDocument();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(vi.mocked(queueService.listQueuePage).mock.calls.length).toBe(before + 1);
  });

  it('asks queue_status once per burst however many panels show it', async () => {
    renderApp({ route: '/admin/queue-management' });
    // The whole page's first render (every panel) can take seconds on a loaded machine; the burst is what is tested.
    await screen.findAllByTestId('queue-item', {}, { timeout: 8_000 });
    await screen.findByTestId('processing-state', {}, { timeout: 8_000 });
    const before = vi.mocked(queueService.getQueueStatus).mock.calls.length;
    act(() => {
      for (let i = 0; i < 20; i += 1) emitQueueChange();
    });
    // Once the burst's refetch came (a loaded machine may take longer than the coalescing), no second one follows.
    await waitFor(() => expect(vi.mocked(queueService.getQueueStatus).mock.calls.length).toBeGreaterThan(before));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(vi.mocked(queueService.getQueueStatus).mock.calls.length).toBe(before + 1);
  });

  it('refetches only the status for a settings change or a sending pause, and subscribes the member’s own scope', async () => {
    renderApp({ route: '/admin/queue-management' });
    await screen.findAllByTestId('queue-item');
    await screen.findByTestId('processing-state');
    const status = () => vi.mocked(queueService.getQueueStatus).mock.calls.length;
    const lists = () => vi.mocked(queueService.listQueuePage).mock.calls.length + vi.mocked(queueService.listActiveLeadIds).mock.calls.length;
    const [statusBefore, listsBefore] = [status(), lists()];
    act(() => {
      emitQueueChange('settings');
      emitQueueChange('pause');
    });
    await waitFor(() => expect(status()).toBe(statusBefore + 1));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lists()).toBe(listsBefore);
    expect(vi.mocked(queueChangesService.subscribeQueueChanges).mock.calls[0]?.[0]).toEqual({
      userId: ADMIN.id,
      clientId: CLIENT_ID,
      role: 'admin',
    });
  });

  it('polls only while the realtime channel is down', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    renderDashboard();
    await screen.findAllByTestId('queue-item');
    const calls = () => vi.mocked(queueService.getQueueStatus).mock.calls.length;
    const start = calls();
    act(() => vi.advanceTimersByTime(15_000));
    expect(calls()).toBe(start);

    act(() => emitChannelState('down'));
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Reconnecting');
    act(() => vi.advanceTimersByTime(10_000));
    await waitFor(() => expect(calls()).toBe(start + 2));

    act(() => emitChannelState('live'));
    act(() => vi.advanceTimersByTime(10_000));
    expect(calls()).toBe(start + 2);
  });

  it('is read-only for a manager: no start/pause, cancel or retry', async () => {
    renderDashboard('manager');
    expect(await screen.findAllByTestId('queue-item')).toHaveLength(2);
    expect(screen.queryByTestId('processing-toggle')).not.toBeInTheDocument();
    expect(screen.queryByTestId('cancel-item')).not.toBeInTheDocument();
    expect(screen.queryByTestId('retry-item')).not.toBeInTheDocument();
    expect(screen.queryByTestId('retry-all')).not.toBeInTheDocument();
  });

  it('speaks Hebrew', async () => {
    await i18n.changeLanguage('he');
    renderDashboard();
    expect(await screen.findByText('ממתינים בתור')).toBeInTheDocument();
    const rows = await screen.findAllByTestId('queue-item');
    expect(within(rows[1]!).getByText('נכשל')).toBeInTheDocument();
    expect(screen.getByTestId('processing-toggle')).toHaveTextContent('השהה עיבוד');
  });
});
