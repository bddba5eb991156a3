import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import i18n from '@/i18n';
import * as queueService from '@/services/queue/queueService';
import { emitQueueChange } from '@tests/support/app/fakes/queueChangesService';
import { backend, lead, queueItem } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { QueueManagementDashboard } from './QueueManagementDashboard';

const renderDashboard = () => renderApp({ ui: <QueueManagementDashboard /> });
const names = () => screen.getAllByTestId('queue-item').map((row) => within(row).getByTestId('item-details').textContent);
/** n items, newest first: Lead 00001 is the newest. */
// Pages of 50 rows rendered several times over: jsdom needs longer than the default on a loaded machine.
const SLOW = { timeout: 120_000 };
const SOON = { timeout: 15_000 };
const manyItems = (n: number) => Array.from({ length: n }, (_, i) => queueItem(i + 1, { status: i % 4 === 0 ? 'sent' : 'pending' }));

describe('the queue list a page at a time', () => {
  it('pages through 120 items 50 at a time, newer and older, saying which items show', SLOW, async () => {
    backend.items = manyItems(120);
    const { user } = renderDashboard();
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(50), SOON);
    expect(names()[0]).toBe('Lead 00001');
    expect(screen.getByTestId('page-newer')).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('Items 1–50 of 120'), SOON);
    await user.click(screen.getByTestId('page-older'));
    await waitFor(() => expect(names()[0]).toBe('Lead 00051'), SOON);
    expect(screen.getByTestId('page-range')).toHaveTextContent('Items 51–100 of 120');
    // The second page starts after the first page's last item (the keyset), not at an offset.
    expect(queueService.listQueuePage).toHaveBeenLastCalledWith(expect.any(String), { status: 'all', search: '' }, { createdAt: backend.items[49]!.created_at, id: backend.items[49]!.id });
    await user.click(screen.getByTestId('page-older'));
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(20), SOON);
    expect(screen.getByTestId('page-range')).toHaveTextContent('Items 101–120 of 120');
    expect(screen.getByTestId('page-older')).toBeDisabled();
    await user.click(screen.getByTestId('page-newer'));
    await waitFor(() => expect(names()[0]).toBe('Lead 00051'), SOON);
    // Another tab starts at its first page, and so does coming back.
    await user.click(screen.getByRole('tab', { name: 'Sent 30' }));
    await waitFor(() => expect(names()[0]).toBe('Lead 00001'), SOON);
    await user.click(screen.getByRole('tab', { name: 'All 120' }));
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('Items 1–50 of 120'), SOON);
  });

  it('a live change reloads the shown page and the counts once, not every page seen', SLOW, async () => {
    backend.items = manyItems(120);
    const { user } = renderDashboard();
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(50), SOON);
    await user.click(screen.getByTestId('page-older'));
    await waitFor(() => expect(names()[0]).toBe('Lead 00051'), SOON);
    const pages = vi.mocked(queueService.listQueuePage).mock.calls.length;
    const counts = vi.mocked(queueService.getQueueStatusCounts).mock.calls.length;
    backend.items = backend.items.map((item, i) => (i === 50 ? { ...item, status: 'cancelled' } : item));
    act(() => {
      for (let i = 0; i < 20; i += 1) emitQueueChange();
    });
    await waitFor(() => expect(within(screen.getAllByTestId('queue-item')[0]!).getByText('Cancelled')).toBeInTheDocument(), SOON);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(vi.mocked(queueService.listQueuePage).mock.calls.length).toBe(pages + 1);
    expect(vi.mocked(queueService.listQueuePage).mock.lastCall?.[2]).toEqual({ createdAt: backend.items[49]!.created_at, id: backend.items[49]!.id });
    expect(vi.mocked(queueService.getQueueStatusCounts).mock.calls.length).toBe(counts + 1);
    expect(screen.getByRole('tab', { name: 'Cancelled 1' })).toBeInTheDocument();
  });

  it('finds an item by the phone as dialled in Israel, once the typing pauses, and counts the matches per tab', SLOW, async () => {
    backend.items = manyItems(120);
    const { user } = renderDashboard();
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(50), SOON);
    await user.type(screen.getByLabelText('Search by lead name or phone'), '050-0000077');
    await waitFor(() => expect(names()).toEqual(['Lead 00077']), SOON);
    expect(queueService.listQueuePage).toHaveBeenLastCalledWith(expect.any(String), { status: 'all', search: '050-0000077' }, null);
    // Typed key by key, asked for once: the search waits for the typing to pause.
    expect(vi.mocked(queueService.listQueuePage).mock.calls.filter((call) => call[1].search !== '')).toHaveLength(1);
    expect(screen.getByRole('tab', { name: 'All 1' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Sent 1' })).toBeInTheDocument();
    expect(screen.queryByTestId('queue-pager')).not.toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Pending 0' }));
    expect(await screen.findByTestId('queue-empty')).toHaveTextContent('No item matches “050-0000077”.');
    await user.click(screen.getByRole('button', { name: 'Clear the search' }));
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Pending 90' })).toBeInTheDocument(), SOON);
  });

  it('sends no search under 3 characters and says so, in English and Hebrew', SLOW, async () => {
    backend.items = manyItems(60);
    const { user } = renderDashboard();
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(50), SOON);
    const box = screen.getByLabelText('Search by lead name or phone');
    await user.type(box, 'Le');
    expect(await screen.findByTestId('search-too-short', {}, SOON)).toHaveTextContent('Type at least 3 characters to search; until then the whole list is shown.');
    expect(box).toHaveAccessibleDescription('Type at least 3 characters to search; until then the whole list is shown.');
    expect(vi.mocked(queueService.listQueuePage).mock.calls.filter((call) => call[1].search !== '')).toHaveLength(0);
    expect(names()).toHaveLength(50);
    await user.type(box, 'a');
    await waitFor(() => expect(queueService.listQueuePage).toHaveBeenLastCalledWith(expect.any(String), { status: 'all', search: 'Lea' }, null), SOON);
    expect(screen.queryByTestId('search-too-short')).not.toBeInTheDocument();
    await act(() => i18n.changeLanguage('he'));
    await user.clear(box);
    await user.type(box, 'דנ');
    expect(await screen.findByTestId('search-too-short', {}, SOON)).toHaveTextContent('יש להקליד לפחות 3 תווים כדי לחפש; עד אז מוצגת כל הרשימה.');
  });

  it('shows the tabs, counts, search and pages in Hebrew', SLOW, async () => {
    await i18n.changeLanguage('he');
    backend.items = [...manyItems(60), queueItem(61, { status: 'failed', leadName: 'דנה כהן', leadPhone: lead(61).phone })];
    const { user } = renderDashboard();
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(50), SOON);
    expect(screen.getByRole('tab', { name: 'הכול 61' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tab', { name: 'נכשל 1' })).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'דפי רשימת התור' })).toHaveTextContent('פריטים 1–50 מתוך 61');
    await user.type(screen.getByLabelText('חיפוש לפי שם הליד או הטלפון'), 'דנה');
    await waitFor(() => expect(names()).toEqual(['דנה כהן']), SOON);
    expect(screen.getByRole('tab', { name: 'נכשל 1' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'ממתין 0' })).toBeInTheDocument();
  });
});
