import { act, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import * as leadService from '@/services/leads/leadService';
import * as queueService from '@/services/queue/queueService';
import { backend, lead } from '@tests/support/app/backend';
import { emitChannelState, emitLeadChange, emitQueueChange } from '@tests/support/app/fakes/queueChangesService';
import { renderApp } from '@tests/support/app/renderApp';
import { LeadSelectionGrid } from './LeadSelectionGrid';

const renderGrid = () => renderApp({ ui: <LeadSelectionGrid clientId="11111111-1111-4111-8111-111111111111" /> });

// Monday 2024-01-15, 10:00 in Israel; the admin's cool-down is 30 days.
const NOW = new Date('2024-01-15T08:00:00Z').getTime();

/** What the processor's send does to a lead: last_contacted_at becomes the moment it went. */
function contact(n: number, at = new Date(NOW - 60_000).toISOString()): void {
  backend.leads = backend.leads.map((known) => (known.id === lead(n).id ? { ...known, last_contacted_at: at } : known));
}

describe('LeadSelectionGrid, live contact state', () => {
  beforeEach(() => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
  });

  it('shows a lead sent a moment ago without a reload: a burst of 1,000 changes reads the named leads once', async () => {
    renderGrid();
    expect(await screen.findByTestId('lead-state-1')).toHaveTextContent('Never contacted');
    expect(screen.getByTestId('lead-contacted-1')).toHaveTextContent('Never');
    contact(1);
    contact(4);
    act(() => {
      for (let i = 0; i < 1_000; i += 1) emitLeadChange([i % 2 === 0 ? lead(1).id : lead(4).id]);
    });

    await waitFor(() => expect(screen.getByTestId('lead-state-1')).toHaveTextContent('Contacted recently'));
    expect(screen.getByTestId('lead-contacted-1')).toHaveTextContent('Mon 15 Jan, 09:59');
    expect(vi.mocked(leadService.listLeadsById)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(leadService.listLeadsById).mock.calls[0]?.[1]).toEqual([lead(1).id, lead(4).id]);
    // Only those leads were read: the list itself was loaded once, at the start.
    expect(vi.mocked(queueService.listLeads)).toHaveBeenCalledTimes(1);
  });

  it('reloads the list once for a change too big to name, polls while the channel is down, and once more when it is back', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    renderGrid();
    await screen.findByText('Avi Cohen');
    const loads = () => vi.mocked(queueService.listLeads).mock.calls.length;
    contact(1);
    act(() => {
      emitLeadChange([lead(2).id]);
      emitLeadChange(null);
    });
    await waitFor(() => expect(screen.getByTestId('lead-state-1')).toHaveTextContent('Contacted recently'));
    expect(loads()).toBe(2);
    expect(vi.mocked(leadService.listLeadsById)).not.toHaveBeenCalled();

    act(() => emitChannelState('down'));
    // The first poll reads the whole list (what changed before the channel went down was never named), the next
    // one only what changed since.
    act(() => vi.advanceTimersByTime(5_000));
    await waitFor(() => expect(loads()).toBe(3));
    act(() => vi.advanceTimersByTime(5_000));
    await waitFor(() => expect(vi.mocked(leadService.listLeadsChangedSince)).toHaveBeenCalledTimes(2));
    expect(loads()).toBe(3);
    act(() => emitChannelState('connecting'));
    act(() => emitChannelState('live'));
    await waitFor(() => expect(loads()).toBe(4));
    act(() => vi.advanceTimersByTime(10_000));
    expect(loads()).toBe(4);
  });

  it('while the channel is down, reads only the leads changed since the last poll, and the whole list when one is new or every minute', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    backend.channel = 'down';
    renderGrid();
    await screen.findByText('Avi Cohen');
    const loads = () => vi.mocked(queueService.listLeads).mock.calls.length;
    const deltas = vi.mocked(leadService.listLeadsChangedSince);
    backend.leadChanges.set(lead(2).id, '2024-01-15T07:50:00.000000+00:00');

    act(() => vi.advanceTimersByTime(5_000));
    await waitFor(() => expect(loads()).toBe(2));
    // The mark is read before the list, so a change made while the list loads is read by the next poll.
    expect(deltas.mock.calls[0]?.slice(1)).toEqual([null, 0]);

    contact(1);
    backend.leadChanges.set(lead(1).id, '2024-01-15T07:59:00.000000+00:00');
    act(() => vi.advanceTimersByTime(5_000));
    await waitFor(() => expect(screen.getByTestId('lead-state-1')).toHaveTextContent('Contacted recently'));
    // From 30 s before the newest change seen, for a transaction that began before it and committed after the poll.
    expect(deltas.mock.calls[1]?.slice(1)).toEqual(['2024-01-15T07:49:30.000Z', 500]);
    expect(loads()).toBe(2);
    expect(vi.mocked(leadService.listLeadsById)).not.toHaveBeenCalled();

    act(() => vi.advanceTimersByTime(5_000));
    await waitFor(() => expect(deltas).toHaveBeenCalledTimes(3));
    expect(deltas.mock.calls[2]?.slice(1)).toEqual(['2024-01-15T07:58:30.000Z', 500]);

    // A lead another admin added is not in the list: the whole list is read, in its order.
    backend.leads = [...backend.leads, lead(5, { name: 'Tal Bar' })];
    backend.leadChanges.set(lead(5).id, '2024-01-15T07:59:30.000000+00:00');
    act(() => vi.advanceTimersByTime(5_000));
    expect(await screen.findByText('Tal Bar')).toBeInTheDocument();
    expect(loads()).toBe(3);

    // A deleted lead leaves no change to read: the 12th poll reads the whole list again.
    backend.leads = backend.leads.filter((known) => known.id !== lead(4).id);
    for (let poll = 5; poll <= 11; poll += 1) {
      act(() => vi.advanceTimersByTime(5_000));
      await waitFor(() => expect(deltas).toHaveBeenCalledTimes(poll + 1));
    }
    expect(screen.getByText('Yossi Peretz')).toBeInTheDocument();
    expect(loads()).toBe(3);
    act(() => vi.advanceTimersByTime(5_000));
    await waitFor(() => expect(screen.queryByText('Yossi Peretz')).not.toBeInTheDocument());
    expect(loads()).toBe(4);
  });

  it("keeps each lead's in-queue state by the items the queue's changes name, without reading the active leads again", async () => {
    renderGrid();
    expect(await screen.findByTestId('lead-state-4')).toHaveTextContent('In queue');
    const reads = vi.mocked(queueService.listActiveLeadIds);
    expect(reads).toHaveBeenCalledTimes(1);

    act(() => {
      emitQueueChange('items', [{ leadId: lead(1).id, status: 'pending', oldStatus: null }]);
      emitQueueChange('items', [{ leadId: lead(4).id, status: 'sent', oldStatus: 'processing' }]);
    });
    await waitFor(() => expect(screen.getByTestId('lead-state-1')).toHaveTextContent('In queue'));
    expect(screen.getByTestId('lead-state-4')).not.toHaveTextContent('In queue');
    expect(screen.getByTestId('lead-checkbox-1')).toBeDisabled();
    expect(reads).toHaveBeenCalledTimes(1);

    // A change that does not name its items (over 100 rows) reads them all again: the server's answer stands.
    backend.activeLeadIds = new Set([lead(2).id]);
    act(() => emitQueueChange('items', null));
    await waitFor(() => expect(screen.getByTestId('lead-state-2')).toHaveTextContent('In queue'));
    expect(screen.getByTestId('lead-state-1')).not.toHaveTextContent('In queue');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('applies a change heard while the active leads are being read to what the read answers', async () => {
    renderGrid();
    expect(await screen.findByTestId('lead-state-4')).toHaveTextContent('In queue');
    // The read's snapshot is taken before lead 4's item is sent, its answer arrives after the change is heard.
    let answer: (ids: Set<string>) => void = () => undefined;
    vi.mocked(queueService.listActiveLeadIds).mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    act(() => emitQueueChange('items', null));
    await waitFor(() => expect(vi.mocked(queueService.listActiveLeadIds)).toHaveBeenCalledTimes(2));
    act(() => emitQueueChange('items', [{ leadId: lead(4).id, status: 'sent', oldStatus: 'processing' }]));
    await waitFor(() => expect(screen.getByTestId('lead-state-4')).not.toHaveTextContent('In queue'));
    await act(async () => answer(new Set([lead(4).id])));
    expect(screen.getByTestId('lead-state-4')).not.toHaveTextContent('In queue');
  });

  it.each([
    ['en', '1 selected lead was contacted within the cool-down: it will be skipped', '1 selected lead was contacted within the cool-down and will be messaged again', 'Contacted recently', '1 skipped: contacted in the last 30 days'],
    ['he', 'עם ליד נבחר אחד נוצר קשר בתקופת הצינון: הוא ידולג', 'עם ליד נבחר אחד נוצר קשר בתקופת הצינון, והוא יקבל הודעה שוב', 'נוצר קשר לאחרונה', '1 דולגו: נוצר איתם קשר ב-30 הימים האחרונים'],
  ])('keeps a selected lead that was just contacted selected, and says the cool-down will skip it (%s)', async (lang, skipped, included, badge, toastText) => {
    await i18n.changeLanguage(lang);
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    expect(screen.queryByTestId('selected-recent')).not.toBeInTheDocument();
    contact(1);
    act(() => emitLeadChange([lead(1).id]));

    expect(await screen.findByTestId('selected-recent')).toHaveTextContent(skipped);
    expect(screen.getByTestId('lead-state-1')).toHaveTextContent(badge);
    expect(screen.getByTestId('lead-checkbox-1')).toBeChecked();
    await user.click(screen.getByTestId('include-recent'));
    expect(screen.getByTestId('selected-recent')).toHaveTextContent(included);

    // Queued as chosen: the server's cool-down decides, and the toast counts what it skipped.
    await user.click(screen.getByTestId('include-recent'));
    vi.mocked(queueService.queueLeads).mockResolvedValueOnce({
      queued: 0, queueIds: [], skipped: { duplicates: 0, optedOut: 0, unknown: 0, recentlyContacted: 1 }, warning: null,
    });
    await user.click(screen.getByTestId('queue-button'));
    await waitFor(() => expect(vi.mocked(queueService.queueLeads).mock.calls[0]?.[0]).toMatchObject({ leadIds: [lead(1).id] }));
    expect(vi.mocked(queueService.queueLeads).mock.calls[0]?.[0]).not.toHaveProperty('includeRecentlyContacted');
    await waitFor(() => expect(document.querySelector('[data-sonner-toast]')).toHaveTextContent(toastText));
  });

  it('says nothing of a cool-down when the admin has none: a lead contacted a minute ago is just contacted', async () => {
    backend.settings = backend.settings && { ...backend.settings, cooldown_days: 0 };
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    contact(1);
    act(() => emitLeadChange([lead(1).id]));
    await waitFor(() => expect(screen.getByTestId('lead-state-1')).toHaveTextContent(/^Contacted$/));
    expect(screen.queryByTestId('selected-recent')).not.toBeInTheDocument();
  });
});
