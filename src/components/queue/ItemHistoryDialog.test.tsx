import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ADMIN, backend, queueItem } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { ItemHistoryDialog } from './ItemHistoryDialog';

const entry = (id: number, action: string, created_at: string, details: Record<string, unknown> = {}, actor_id: string | null = null) => ({
  id,
  queue_item_id: queueItem(1).id,
  action,
  from_status: null,
  to_status: null,
  actor_id,
  details,
  created_at,
});

describe('ItemHistoryDialog', () => {
  it('shows the timeline of an item that failed, was retried and was sent, in the admin zone', async () => {
    backend.items = [queueItem(1, { leadName: 'Avi Cohen', status: 'sent', agent_conversation_id: 'conv-77' })];
    backend.history = [
      entry(1, 'enqueued', '2024-01-15T07:59:00Z', { scheduled_for: '2024-01-15T08:00:00Z' }, ADMIN.id),
      entry(2, 'claimed', '2024-01-15T08:00:01Z', { attempts: 1 }),
      entry(3, 'started', '2024-01-15T08:00:02Z', { attempts: 1 }),
      entry(4, 'retry_scheduled', '2024-01-15T08:00:03Z', { attempts: 1, error_code: 'http_503', next_attempt_at: '2024-01-15T08:05:00Z' }),
      entry(5, 'claimed', '2024-01-15T08:05:01Z', { attempts: 2 }),
      entry(6, 'started', '2024-01-15T08:05:02Z', { attempts: 2, redelivery: true }),
      entry(7, 'sent', '2024-01-15T08:05:03Z', { attempts: 2 }),
    ];
    let open = true;
    const { user } = renderApp({ ui: <ItemHistoryDialog item={backend.items[0]!} me={ADMIN.id} onClose={() => (open = false)} /> });
    const dialog = await screen.findByRole('dialog', { name: 'History of Avi Cohen' });
    expect(within(dialog).getByText('Agent DB conversation: conv-77')).toBeInTheDocument();
    const steps = await within(dialog).findAllByRole('listitem');
    expect(steps.map((step) => step.querySelector('span')?.textContent)).toEqual([
      'Queued by you, to go from Mon, 15 Jan 2024, 10:00',
      'Claimed by the processor (attempt 1)',
      'Handed to the Agent DB (attempt 1)',
      'Failed with HTTP 503; retry at Mon, 15 Jan 2024, 10:05',
      'Claimed by the processor (attempt 2)',
      'Handed to the Agent DB (attempt 2) (a redelivery: the previous attempt may have gone out)',
      'Sent',
    ]);
    expect(steps[0]!.querySelector('time')).toHaveTextContent('Mon, 15 Jan 2024, 09:59');
    await user.keyboard('{Escape}');
    expect(open).toBe(false);
  });
});
