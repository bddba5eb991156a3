import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import i18n from '@/i18n';
import { Tabs } from '@/components/ui/tabs';
import { QUEUE_STATUSES, type QueueStatusCounts } from '@/types/queue';
import { QueuePager, QueueStatusTabs } from './QueueListControls';

const counts = (over: Partial<QueueStatusCounts>): QueueStatusCounts =>
  ({ ...Object.fromEntries(QUEUE_STATUSES.map((s) => [s, { items: 0, capped: false }])), ...over }) as QueueStatusCounts;
const renderTabs = (value: QueueStatusCounts) => render(<Tabs value="all"><QueueStatusTabs counts={value} /></Tabs>);

describe('the tabs’ counts of a walked search', () => {
  afterEach(() => i18n.changeLanguage('en'));

  it('says "—" (not counted), never "0+", where the newest 1,000 items held no match; "N+" and exact counts as before', async () => {
    await i18n.changeLanguage('en');
    renderTabs(counts({ sent: { items: 0, capped: true }, pending: { items: 7, capped: true }, failed: { items: 0, capped: false } }));
    expect(screen.getByRole('tab', { name: 'Sent —' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Sent —' }).querySelector('[data-testid="tab-count"]')).toHaveAttribute('title', 'Not counted: none of the newest 1,000 items matches, older ones may');
    expect(screen.getByRole('tab', { name: 'Pending 7+' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Failed 0' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'All 7+' })).toBeInTheDocument();
    expect(screen.queryByText('0+')).not.toBeInTheDocument();
  });

  it('in Hebrew too', async () => {
    await i18n.changeLanguage('he');
    renderTabs(counts({ sent: { items: 0, capped: true } }));
    const tab = screen.getByRole('tab', { name: 'נשלח —' });
    expect(tab.querySelector('[data-testid="tab-count"]')).toHaveAttribute('title', 'לא נספר: אף אחד מ-1,000 הפריטים החדשים אינו מתאים, ייתכן שישנים יותר כן');
    expect(screen.getByRole('tab', { name: 'הכול —' })).toBeInTheDocument();
  });

  it('the pager counts at least the rows shown, so a capped 0 reads "50+"', async () => {
    await i18n.changeLanguage('en');
    const noop = () => undefined;
    render(<QueuePager pageIndex={0} pageSize={50} shown={50} total={{ items: 0, capped: true }} hasNext busy={false} onPrevious={noop} onNext={noop} />);
    expect(screen.getByTestId('page-range')).toHaveTextContent('Items 1–50 of 50+');
  });
});
