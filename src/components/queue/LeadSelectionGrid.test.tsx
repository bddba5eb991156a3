import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import { ServiceError } from '@/services/errors';
import * as queueService from '@/services/queue/queueService';
import { backend, lead } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { LeadSelectionGrid } from './LeadSelectionGrid';

const renderGrid = (readOnly = false) =>
  renderApp({ ui: <LeadSelectionGrid clientId="11111111-1111-4111-8111-111111111111" readOnly={readOnly} /> });

// Monday 2024-01-15, 10:00 in Israel: the window is open, so the browser's own check lets the call through.
const OPEN_MONDAY = new Date('2024-01-15T08:00:00Z').getTime();

describe('LeadSelectionGrid', () => {
  beforeEach(() => {
    vi.spyOn(Date, 'now').mockReturnValue(OPEN_MONDAY);
  });

  it('lists the leads with their state; opted-out and queued leads cannot be selected', async () => {
    renderGrid();
    expect(await screen.findByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.getByText('4 leads')).toBeInTheDocument();
    expect(screen.getByTestId('lead-checkbox-1')).toBeEnabled();
    expect(screen.getByTestId('lead-checkbox-3')).toBeDisabled(); // Noa opted out
    expect(screen.getByTestId('lead-checkbox-4')).toBeDisabled(); // Yossi is in the queue
    expect(within(screen.getByTestId('lead-row-3')).getByText('Opted out')).toBeInTheDocument();
    expect(within(screen.getByTestId('lead-row-4')).getByText('In queue')).toBeInTheDocument();
    expect(screen.getByTestId('queue-button')).toBeDisabled();
  });

  it('queues the selected leads with the chosen priority and says how many were added', async () => {
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('lead-checkbox-2'));
    await user.click(screen.getByTestId('priority-select'));
    await user.click(await screen.findByTestId('priority-high'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 2 to queue');
    await user.click(screen.getByTestId('queue-button'));

    expect(await screen.findByText('2 leads added to queue')).toBeInTheDocument();
    expect(document.querySelector('.toast-success')).toHaveTextContent('2 leads added to queue');
    expect(queueService.queueLeads).toHaveBeenCalledWith(
      expect.objectContaining({ leadIds: [lead(1).id, lead(2).id], priority: 'high', scheduledFor: expect.any(String) }),
    );
    // The queued leads now show as in the queue and the selection is cleared.
    await waitFor(() => expect(screen.getByTestId('lead-checkbox-1')).toBeDisabled());
    expect(screen.getByTestId('queue-button')).toBeDisabled();
  });

  it('sends the pinned clock time when no time is chosen, and the chosen time otherwise', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-15T08:00:00Z').getTime());
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() => expect(queueService.queueLeads).toHaveBeenCalledWith(expect.objectContaining({ scheduledFor: '2024-01-15T08:00:00.000Z' })));

    await user.click(screen.getByTestId('lead-checkbox-2'));
    await user.type(screen.getByLabelText('Send at (optional)'), '2024-01-16T10:30');
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() =>
      expect(queueService.queueLeads).toHaveBeenLastCalledWith(expect.objectContaining({ scheduledFor: new Date('2024-01-16T10:30').toISOString() })),
    );
  });

  it('checks the window in the browser first: Saturday is refused on the spot, with the next window offered', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-13T10:00:00+02:00').getTime());
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() => expect(document.querySelector('.toast-error')).toHaveTextContent('Cannot schedule for saturday - business closed'));
    expect(document.querySelector('.toast-error')).toHaveTextContent('Next window:');
    expect(queueService.queueLeads).not.toHaveBeenCalled();
  });

  it('refuses a past Send at with a sentence, and empties Send at after a successful add', async () => {
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.type(screen.getByLabelText('Send at (optional)'), '2024-01-14T10:30');
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Send at is in the past: pick a later time, or leave it empty to send now.')).toBeInTheDocument();
    expect(queueService.queueLeads).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText('Send at (optional)'));
    await user.type(screen.getByLabelText('Send at (optional)'), '2024-01-16T10:30');
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('1 lead added to queue')).toBeInTheDocument();
    expect(screen.getByLabelText('Send at (optional)')).toHaveValue('');
  });

  it('shows the business-rule refusal and offers the next window', async () => {
    vi.mocked(queueService.queueLeads).mockRejectedValueOnce(
      new ServiceError(
        'business_closed',
        'Cannot schedule for saturday - business closed',
        { nextWindow: { start: '2024-01-14T07:00:00.000Z', end: '2024-01-14T15:00:00.000Z' } },
        422,
      ),
    );
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));

    const toast = await waitFor(() => {
      const element = document.querySelector('.toast-error');
      expect(element).toHaveTextContent('Cannot schedule for saturday - business closed');
      return element as HTMLElement;
    });
    await user.click(within(toast).getByRole('button', { name: 'Schedule for the next window' }));
    await waitFor(() =>
      expect(queueService.queueLeads).toHaveBeenLastCalledWith(
        expect.objectContaining({ leadIds: [lead(1).id], scheduledFor: '2024-01-14T07:00:00.000Z', deferToNextWindow: true }),
      ),
    );
    expect(await screen.findByText('1 lead added to queue')).toBeInTheDocument();
  });

  it('shows capacity and rate-limit refusals with the function message', async () => {
    vi.mocked(queueService.queueLeads)
      .mockRejectedValueOnce(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (201/200)', {}, 422))
      .mockRejectedValueOnce(new ServiceError('rate_limited', 'Rate limit exceeded. Try again in 42s', { retryAfter: 42 }, 429));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Daily capacity exceeded (201/200)')).toBeInTheDocument();
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Rate limit exceeded. Try again in 42s')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Schedule for the next window' })).not.toBeInTheDocument();
  });

  it('translates refusals in Hebrew', async () => {
    await i18n.changeLanguage('he');
    vi.mocked(queueService.queueLeads).mockRejectedValueOnce(new ServiceError('rate_limited', 'Rate limit exceeded. Try again in 42s', { retryAfter: 42 }, 429));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('יותר מדי בקשות. נסה שוב בעוד 42 שניות.')).toBeInTheDocument();
  });

  it('searches by name and by phone digits, and filters by state', async () => {
    const { user } = renderGrid();
    await screen.findByText('Avi Cohen');
    await user.type(screen.getByLabelText('Search leads'), 'dana');
    await waitFor(() => expect(screen.queryByText('Avi Cohen')).not.toBeInTheDocument());
    expect(screen.getByText('Dana Levi')).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Search leads'));
    await user.type(screen.getByLabelText('Search leads'), '050 000 0003');
    await waitFor(() => expect(screen.getByText('1 leads')).toBeInTheDocument());
    expect(screen.getByText('Noa Mizrahi')).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Search leads'));
    await user.selectOptions(screen.getByLabelText('Show'), 'never_contacted');
    await waitFor(() => expect(screen.getByText('2 leads')).toBeInTheDocument());
    expect(screen.getByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.getByText('Yossi Peretz')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Show'), 'opted_out');
    await waitFor(() => expect(screen.getByText('1 leads')).toBeInTheDocument());
    await user.selectOptions(screen.getByLabelText('Show'), 'in_queue');
    await waitFor(() => expect(screen.getByText('Yossi Peretz')).toBeInTheDocument());

    await user.type(screen.getByLabelText('Search leads'), 'nobody');
    expect(await screen.findByTestId('leads-empty')).toHaveTextContent('No leads match.');
  });

  it('select-all picks every queueable lead of the filtered set', async () => {
    const { user } = renderGrid();
    await screen.findByText('Avi Cohen');
    await user.selectOptions(screen.getByLabelText('Show'), 'never_contacted');
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 1 to queue'); // Yossi is already queued
    await user.selectOptions(screen.getByLabelText('Show'), 'all');
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 2 to queue');
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('queue-button')).toBeDisabled();
  });

  it('renders only a window of rows for 10,000 leads, and select-all still takes them all', async () => {
    backend.leads = Array.from({ length: 10_000 }, (_, i) => lead(i + 1));
    backend.activeLeadIds = new Set();
    const { user } = renderGrid();
    expect(await screen.findByText('10000 leads')).toBeInTheDocument();
    expect(screen.getAllByRole('row').length).toBeLessThan(60);
    expect(screen.getByTestId('lead-checkbox-1')).toBeInTheDocument();
    expect(screen.queryByTestId('lead-checkbox-5000')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 10000 to queue');
  });

  it('says when there are no leads, and shows load errors with a retry', async () => {
    backend.leads = [];
    vi.mocked(queueService.listActiveLeadIds).mockRejectedValueOnce(new ServiceError('network', 'TypeError: Failed to fetch', {}, 0));
    const { user } = renderGrid();
    expect(await screen.findByTestId('leads-empty')).toHaveTextContent('No leads yet.');
    expect(await screen.findByText('Could not load: The server could not be reached. Check your connection.')).toBeInTheDocument();
    backend.leads = [lead(1)];
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Lead 00001')).toBeInTheDocument();
  });

  it('is read-only for managers: no checkboxes, priority or queue button', async () => {
    renderApp({ as: 'manager', ui: <LeadSelectionGrid clientId="11111111-1111-4111-8111-111111111111" readOnly /> });
    expect(await screen.findByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.queryByTestId('lead-checkbox-1')).not.toBeInTheDocument();
    expect(screen.queryByTestId('priority-select')).not.toBeInTheDocument();
    expect(screen.queryByTestId('queue-button')).not.toBeInTheDocument();
  });
});
