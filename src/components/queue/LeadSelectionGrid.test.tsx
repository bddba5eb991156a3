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

  it('sends the pinned clock time when no time is chosen, and the chosen day and time in the admin’s zone otherwise', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-15T08:00:00Z').getTime());
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() => expect(queueService.queueLeads).toHaveBeenCalledWith(expect.objectContaining({ scheduledFor: '2024-01-15T08:00:00.000Z' })));

    await user.click(screen.getByTestId('lead-checkbox-2'));
    expect(screen.getByLabelText('Day')).toHaveDisplayValue('As soon as possible');
    await user.selectOptions(screen.getByLabelText('Day'), '2024-01-16');
    expect(screen.getByLabelText('Day')).toHaveDisplayValue('Tomorrow, Tue 16 January');
    await user.selectOptions(screen.getByLabelText('Time'), '10:30');
    await user.click(screen.getByTestId('queue-button'));
    // 10:30 in Jerusalem (UTC+2 in January), whatever the browser's own zone.
    await waitFor(() => expect(queueService.queueLeads).toHaveBeenLastCalledWith(expect.objectContaining({ scheduledFor: '2024-01-16T08:30:00.000Z' })));
  });

  it.each([
    ['en', 'Send at is in the past: pick a later time, or “As soon as possible”.'],
    ['he', 'מועד השליחה עבר: בחר מועד מאוחר יותר, או „בהקדם האפשרי”.'],
  ])('refuses a Send at already past on the spot (%s), and empties it after a successful add', async (lang, sentence) => {
    await i18n.changeLanguage(lang);
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    const [day, time] = screen.getAllByRole('combobox').filter((box) => box.tagName === 'SELECT' && box.closest('fieldset'));
    await user.selectOptions(day!, '2024-01-15');
    await user.selectOptions(time!, '09:00'); // 09:00 today, an hour ago in Israel
    expect(screen.getByTestId('send-at-past')).toHaveTextContent(sentence);
    expect(screen.getByTestId('queue-button')).toBeDisabled();
    expect(queueService.queueLeads).not.toHaveBeenCalled();

    await user.selectOptions(time!, '10:30');
    expect(screen.queryByTestId('send-at-past')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() => expect(queueService.queueLeads).toHaveBeenCalledWith(expect.objectContaining({ scheduledFor: '2024-01-15T08:30:00.000Z' })));
    await waitFor(() => expect(day).toHaveValue(''));
  });

  it('says in the toast that processing is paused when it is', async () => {
    backend.status = { ...backend.status, processing_state: 'paused' };
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Processing is paused: nothing is sent until you start it.')).toBeInTheDocument();
  });

  it('words the days in the UI’s language and names the admin’s zone when the browser’s differs', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-15T08:00:00Z').getTime());
    backend.settings = { ...backend.settings!, timezone: 'America/New_York' };
    await i18n.changeLanguage('he');
    renderGrid();
    const day = await screen.findByLabelText('יום');
    expect(within(day).getByRole('option', { name: /^מחר, / })).toBeInTheDocument();
    // The zone named is the admin's, known once the settings have loaded (after the day list is there).
    expect(await screen.findByText(/מועד שליחה \(לא חובה\) · /)).toBeInTheDocument();
  });

  it('checks the window in the browser first: Saturday is refused on the spot, with the next window offered', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-13T10:00:00+02:00').getTime());
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() => expect(document.querySelector('.toast-error')).toHaveTextContent('Cannot schedule for Saturday - business closed'));
    expect(document.querySelector('.toast-error')).toHaveTextContent('Next window:');
    expect(queueService.queueLeads).not.toHaveBeenCalled();
  });

  it('shows the business-rule refusal (the browser checks first) and offers the next window', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2024-01-13T10:00:00+02:00').getTime());
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));

    const toast = await waitFor(() => {
      const element = document.querySelector('.toast-error');
      expect(element).toHaveTextContent('Cannot schedule for Saturday - business closed');
      // The next window, in the admin's zone (Sun 14 Jan 09:00 in Jerusalem).
      expect(element).toHaveTextContent('Next window: Sun 14 Jan, 09:00');
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

  it('says capacity and rate-limit refusals with their numbers, never the raw message', async () => {
    vi.mocked(queueService.queueLeads)
      .mockRejectedValueOnce(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (201/200)', {}, 422))
      .mockRejectedValueOnce(new ServiceError('rate_limited', 'Rate limit exceeded. Try again in 42s', { retryAfter: 42 }, 429));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Daily capacity exceeded: 201 would be booked for that day, capacity 200.')).toBeInTheDocument();
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Too many requests. Try again in 42 seconds.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Schedule for the next window' })).not.toBeInTheDocument();
  });

  it.each([
    ['en', 'Spread over the coming days', ['63 today', '200 on Tue 16 January'], 'Queue over 2 days', '2 leads spread over 2 days'],
    ['he', 'פזר על פני הימים הבאים', ['63 היום', '200 ב'], 'הכנס לתור על פני 2 ימים', '2 לידים פוזרו על פני 2 ימים'],
  ])('over capacity, offers a spread: previews the days, then queues them all in one call (%s)', async (lang, action, lines, confirm, done) => {
    await i18n.changeLanguage(lang);
    vi.mocked(queueService.queueLeads).mockRejectedValueOnce(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (265/200)', {}, 422));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('lead-checkbox-2'));
    await user.click(screen.getByTestId('queue-button'));
    await user.click(await screen.findByRole('button', { name: action }));
    const dialog = await screen.findByRole('dialog');
    const items = await within(dialog).findAllByRole('listitem');
    expect(items).toHaveLength(2);
    lines.forEach((line, i) => expect(items[i]).toHaveTextContent(line));
    expect(queueService.previewSpread).toHaveBeenCalledWith('11111111-1111-4111-8111-111111111111', [lead(1).id, lead(2).id], '2024-01-15T08:00:00.000Z', false);
    expect(queueService.enqueueSpread).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: confirm }));
    expect(queueService.enqueueSpread).toHaveBeenCalledWith('11111111-1111-4111-8111-111111111111', [lead(1).id, lead(2).id], 'normal', '2024-01-15T08:00:00.000Z', {
      template: 'initial_outreach',
      variables: {},
      includeRecentlyContacted: false,
    });
    expect(await screen.findByText(done)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByTestId('lead-checkbox-1')).toBeDisabled());
  });

  it('queues with the template the admin picked and its variables, and the cool-down override when ticked', async () => {
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.selectOptions(screen.getByTestId('template-select'), 'event_invite');
    await user.type(screen.getByTestId('variable-event_name'), 'Open day');
    await user.type(screen.getByTestId('variable-event_date'), '20 January');
    await user.click(screen.getByTestId('include-recent'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('1 lead added to queue')).toBeInTheDocument();
    expect(queueService.queueLeads).toHaveBeenCalledWith(
      expect.objectContaining({
        leadIds: [lead(1).id],
        template: 'event_invite',
        variables: { event_name: 'Open day', event_date: '20 January' },
        includeRecentlyContacted: true,
      }),
    );
  });

  it("a spread keeps the batch's template, its variables and the cool-down override, and previews the cool-down's skips", async () => {
    vi.mocked(queueService.queueLeads).mockRejectedValueOnce(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (265/200)', {}, 422));
    vi.mocked(queueService.previewSpread).mockResolvedValueOnce({ days: [{ day: '2024-01-15', window_start: '2024-01-15T08:00:00.000Z', queued: 1 }], skipped_recently_contacted: 1 });
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('lead-checkbox-2'));
    await user.selectOptions(screen.getByTestId('template-select'), 'event_invite');
    await user.type(screen.getByTestId('variable-event_name'), 'Open day');
    await user.type(screen.getByTestId('variable-event_date'), '20 January');
    await user.click(screen.getByTestId('queue-button'));
    await user.click(await screen.findByRole('button', { name: 'Spread over the coming days' }));
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByTestId('spread-skipped-recent')).toHaveTextContent('1 skipped: contacted in the last 30 days');
    await user.click(within(dialog).getByRole('button', { name: /Queue over/ }));
    expect(queueService.enqueueSpread).toHaveBeenCalledWith('11111111-1111-4111-8111-111111111111', [lead(1).id, lead(2).id], 'normal', '2024-01-15T08:00:00.000Z', {
      template: 'event_invite',
      variables: { event_name: 'Open day', event_date: '20 January' },
      includeRecentlyContacted: false,
    });
  });

  it('a spread with "include recently contacted" ticked previews and queues with the override', async () => {
    vi.mocked(queueService.queueLeads).mockRejectedValueOnce(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (265/200)', {}, 422));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('include-recent'));
    await user.click(screen.getByTestId('queue-button'));
    await user.click(await screen.findByRole('button', { name: 'Spread over the coming days' }));
    const dialog = await screen.findByRole('dialog');
    expect(queueService.previewSpread).toHaveBeenCalledWith('11111111-1111-4111-8111-111111111111', [lead(1).id], '2024-01-15T08:00:00.000Z', true);
    await user.click(await within(dialog).findByRole('button', { name: /Queue over/ }));
    expect(queueService.enqueueSpread).toHaveBeenCalledWith('11111111-1111-4111-8111-111111111111', [lead(1).id], 'normal', '2024-01-15T08:00:00.000Z', {
      template: 'initial_outreach',
      variables: {},
      includeRecentlyContacted: true,
    });
  });

  it('translates refusals in Hebrew, holiday names and numbers included', async () => {
    await i18n.changeLanguage('he');
    vi.mocked(queueService.queueLeads)
      .mockRejectedValueOnce(new ServiceError('rate_limited', 'Rate limit exceeded. Try again in 42s', { retryAfter: 42 }, 429))
      .mockRejectedValueOnce(new ServiceError('holiday', "Cannot schedule on holidays (Yom HaAtzma'ut)", {}, 422))
      .mockRejectedValueOnce(new ServiceError('capacity_exceeded', 'Daily capacity exceeded (201/200)', {}, 422));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('יותר מדי בקשות. נסה שוב בעוד 42 שניות.')).toBeInTheDocument();
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('אי אפשר לתזמן בחג (יום העצמאות)')).toBeInTheDocument();
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('חריגה מהמכסה היומית: 201 יתוזמנו לאותו יום, והמכסה היא 200.')).toBeInTheDocument();
  });

  it('says the daily-target warning in words, and gives the focus back to the list after queueing', async () => {
    vi.mocked(queueService.queueLeads).mockResolvedValueOnce({
      queued: 1,
      queueIds: ['q-1'],
      skipped: { duplicates: 1, optedOut: 0, unknown: 0, recentlyContacted: 0 },
      warning: 'Exceeding daily target (50/45)',
    });
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('queue-button'));
    expect(await screen.findByText('Above the daily target: 50 booked for that day, target 45. · 1 skipped (already queued, opted out or unknown)')).toBeInTheDocument();
    expect(screen.getByTestId('lead-grid')).toHaveFocus();
  });

  it('searches by name and by phone digits, and filters by state', async () => {
    const { user } = renderGrid();
    await screen.findByText('Avi Cohen');
    await user.type(screen.getByLabelText('Search leads'), 'dana');
    await waitFor(() => expect(screen.queryByText('Avi Cohen')).not.toBeInTheDocument());
    expect(screen.getByText('Dana Levi')).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Search leads'));
    await user.type(screen.getByLabelText('Search leads'), '050 000 0003');
    await waitFor(() => expect(screen.getByText('1 lead')).toBeInTheDocument());
    expect(screen.getByText('Noa Mizrahi')).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Search leads'));
    await user.selectOptions(screen.getByLabelText('Show'), 'never_contacted');
    await waitFor(() => expect(screen.getByText('2 leads')).toBeInTheDocument());
    expect(screen.getByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.getByText('Yossi Peretz')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Show'), 'opted_out');
    await waitFor(() => expect(screen.getByText('1 lead')).toBeInTheDocument());
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

  it('renders only a window of rows for 10,000 leads; select-all takes them all, and they can be queued (in calls of 1,000)', async () => {
    backend.leads = Array.from({ length: 10_000 }, (_, i) => lead(i + 1));
    backend.activeLeadIds = new Set();
    const { user } = renderGrid();
    expect(await screen.findByText('10000 leads')).toBeInTheDocument();
    expect(screen.getAllByRole('row').length).toBeLessThan(60);
    expect(screen.getByRole('grid')).toHaveAttribute('aria-rowcount', '10001');
    expect(screen.getByTestId('lead-checkbox-1')).toBeInTheDocument();
    expect(screen.queryByTestId('lead-checkbox-5000')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 10000 to queue');
    expect(screen.getByTestId('queue-button')).toBeEnabled();
  });

  it('moves through the rows from the keyboard (one tab stop) and selects with Space', async () => {
    backend.leads = Array.from({ length: 10_000 }, (_, i) => lead(i + 1));
    backend.activeLeadIds = new Set();
    const { user } = renderGrid();
    const grid = await screen.findByRole('grid');
    await screen.findByTestId('lead-row-1');
    grid.focus();
    const active = () => document.getElementById(grid.getAttribute('aria-activedescendant') ?? '');
    expect(active()).toHaveAttribute('aria-rowindex', '2');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(active()).toHaveAttribute('data-testid', 'lead-row-3');
    expect(active()).toHaveAttribute('aria-rowindex', '4');
    await user.keyboard(' ');
    expect(active()).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 1 to queue');
    await user.keyboard('{PageDown}');
    expect(Number(active()?.getAttribute('aria-rowindex'))).toBeGreaterThan(5);
    await user.keyboard('{Home}');
    expect(active()).toHaveAttribute('aria-rowindex', '2');
    // The checkboxes are not tab stops of their own: Tab leaves the grid.
    await user.tab();
    expect(grid).not.toContainElement(document.activeElement as HTMLElement);
  });

  it('counts the selected leads a search hides, and clears the selection on request', async () => {
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('lead-checkbox-2'));
    await user.type(screen.getByLabelText('Search leads'), 'dana');
    await waitFor(() => expect(screen.getByTestId('lead-count')).toHaveTextContent('1 lead · 2 selected (1 of them hidden by the search or filter)'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 2 to queue');
    await user.click(screen.getByTestId('clear-selection'));
    expect(screen.getByTestId('lead-count')).toHaveTextContent(/^1 lead$/);
    expect(screen.getByTestId('queue-button')).toBeDisabled();
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

  it('queues more leads than one call takes in calls of 1,000, with one summary', async () => {
    backend.leads = Array.from({ length: 1_100 }, (_, i) => lead(100 + i));
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('select-all-matching'));
    expect(screen.getByTestId('queue-button')).toHaveTextContent('Add 1100 to queue');
    await user.click(screen.getByTestId('queue-button'));

    expect(await screen.findByText(/1,?100 leads added to queue/)).toBeInTheDocument();
    expect(vi.mocked(queueService.queueLeads).mock.calls.map(([request]) => request.leadIds.length)).toEqual([1_000, 100]);
  }, 30_000);

  it('is read-only for managers: no checkboxes, priority or queue button', async () => {
    renderApp({ as: 'manager', ui: <LeadSelectionGrid clientId="11111111-1111-4111-8111-111111111111" readOnly /> });
    expect(await screen.findByText('Avi Cohen')).toBeInTheDocument();
    expect(screen.queryByTestId('lead-checkbox-1')).not.toBeInTheDocument();
    expect(screen.queryByTestId('priority-select')).not.toBeInTheDocument();
    expect(screen.queryByTestId('queue-button')).not.toBeInTheDocument();
  });
});
