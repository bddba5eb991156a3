import { describe, expect, it } from 'vitest';
import { applyItemChanges, readQueueChange } from '@/lib/queueBroadcasts';

const row = (leadId: string, status: string | null, oldStatus: string | null) => ({
  id: `item-${leadId}`, lead_id: leadId, client_id: 'c', user_id: 'u', status, old_status: oldStatus,
});

describe('readQueueChange', () => {
  it('names the items of a queue broadcast as private.broadcast_queue_rows sends them, leaving the active statuses first', () => {
    const payload = { operation: 'UPDATE', count: 3, truncated: false, id: 'm1', rows: [row('a', 'pending', 'failed'), row('b', 'sent', 'processing'), row('c', null, 'cancelled')] };
    expect(readQueueChange('whatsapp_message_queue', payload)).toEqual({
      kind: 'items',
      items: [
        { leadId: 'b', status: 'sent', oldStatus: 'processing' },
        { leadId: 'c', status: null, oldStatus: 'cancelled' },
        { leadId: 'a', status: 'pending', oldStatus: 'failed' },
      ],
    });
  });

  it('names nothing when the message does not carry every row, or carries a row it cannot read', () => {
    const rows = [row('a', 'pending', null)];
    expect(readQueueChange('whatsapp_message_queue', { count: 101, truncated: true, rows })).toEqual({ kind: 'items', items: null });
    expect(readQueueChange('whatsapp_message_queue', { count: 1, rows })).toEqual({ kind: 'items', items: null });
    expect(readQueueChange('whatsapp_message_queue', { count: 1, truncated: false, rows: [row('a', 'waiting', null)] })).toEqual({ kind: 'items', items: null });
    expect(readQueueChange('whatsapp_message_queue', { count: 1, truncated: false, rows: [{ ...row('a', 'pending', null), lead_id: 7 }] })).toEqual({ kind: 'items', items: null });
    expect(readQueueChange('whatsapp_message_queue', undefined)).toEqual({ kind: 'items', items: null });
  });

  it('reads settings and pause changes as kinds without items, and ignores other events', () => {
    expect(readQueueChange('user_queue_settings', { truncated: false, rows: [] })).toEqual({ kind: 'settings', items: null });
    expect(readQueueChange('clients', {})).toEqual({ kind: 'pause', items: null });
    expect(readQueueChange('leads', {})).toBeNull();
  });
});

describe('applyItemChanges', () => {
  it('puts a lead in the queue when its item enters pending, queued or processing, and takes it out when it leaves them', () => {
    const before = new Set(['x', 'y']);
    const after = applyItemChanges(before, [
      { leadId: 'a', status: 'pending', oldStatus: null },
      { leadId: 'x', status: 'sent', oldStatus: 'processing' },
      { leadId: 'y', status: 'processing', oldStatus: 'queued' },
      { leadId: 'z', status: 'cancelled', oldStatus: 'failed' },
      { leadId: 'w', status: null, oldStatus: 'pending' },
    ]);
    expect([...after].sort()).toEqual(['a', 'y']);
    // The set it was given is left as it was (React state).
    expect([...before].sort()).toEqual(['x', 'y']);
  });

  it('ends at the last change of a lead when a burst carries several, and a change already applied changes nothing', () => {
    const sent = { leadId: 'a', status: 'sent', oldStatus: 'processing' } as const;
    const requeued = { leadId: 'a', status: 'pending', oldStatus: null } as const;
    expect([...applyItemChanges(new Set(['a']), [sent, requeued])]).toEqual(['a']);
    expect([...applyItemChanges(new Set(), [requeued, sent])]).toEqual([]);
    expect([...applyItemChanges(applyItemChanges(new Set(['a']), [sent]), [sent])]).toEqual([]);
  });
});
