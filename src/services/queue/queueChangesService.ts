import type { RealtimeChannel } from '@supabase/supabase-js';
import { leadsTopic, queueTopic, type QueueChangeKind } from '@shared/queueTopics.ts';
import { supabase } from '@/integrations/supabase/client';
import { readLeadChange, readQueueChange, type ItemChange, type LeadChange, type QueueChange } from '@/lib/queueBroadcasts';
import type { MemberRole } from '@/types/queue';

export type { ItemChange, LeadChange, QueueChange, QueueChangeKind };
export type ChannelState = 'connecting' | 'live' | 'down';

/** Whose live queue: a manager listens to the client's topic, an admin to their own items' topic. */
export interface QueueScope {
  clientId: string;
  userId: string;
  role: MemberRole;
}



interface Listener<C> {
  onChange: (change: C) => void;
  onState: (state: ChannelState) => void;
}

/** One private channel, shared by every hook that wants its changes. */
interface Feed<C> {
  topic: string;
  /** The change a broadcast means, or null when it is not one of this feed's events. */
  read: (event: string, payload: unknown) => C | null;
  channel: RealtimeChannel | null;
  state: ChannelState;
  listeners: Set<Listener<C>>;
  rejoin: ReturnType<typeof setTimeout> | null;
  linger: ReturnType<typeof setTimeout> | null;
}

/** The app's channels: the member's live queue, and the client's leads. */
interface Slot<C> {
  feed: Feed<C> | null;
}

/** A channel the server closed (token expired, membership revoked) is joined again after this long. */
const REJOIN_MS = 10_000;
/** The last listener leaving keeps the channel this long, so a remount (StrictMode, navigation) reuses it. */
const LINGER_MS = 1_000;

const queueSlot: Slot<QueueChange> = { feed: null };
const leadSlot: Slot<LeadChange> = { feed: null };

function scopeTopic(scope: QueueScope): string {
  return scope.role === 'manager' ? queueTopic(scope.clientId) : queueTopic(scope.clientId, scope.userId);
}

function setState<C>(target: Feed<C>, state: ChannelState): void {
  target.state = state;
  for (const listener of target.listeners) listener.onState(state);
}

function emit<C>(target: Feed<C>, change: C): void {
  for (const listener of target.listeners) listener.onChange(change);
}


function drop<C>(target: Feed<C>): void {
  const { channel } = target;
  target.channel = null;
  if (channel) void supabase.removeChannel(channel);
}

/** Joins the private topic with the session's token; the realtime.messages policies decide the join. */
async function open<C>(slot: Slot<C>, target: Feed<C>): Promise<void> {
  target.rejoin = null;
  await supabase.realtime.setAuth();
  if (slot.feed !== target) return;
  const channel = supabase
    .channel(target.topic, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message: { event: string; payload?: unknown }) => {
      const change = target.read(message.event, message.payload);
      if (change && slot.feed === target) emit(target, change);
    });
  target.channel = channel;
  channel.subscribe((status) => {
    if (slot.feed !== target || target.channel !== channel) return;
    setState(target, status === 'SUBSCRIBED' ? 'live' : 'down');
    // realtime-js rejoins after errors by itself, never after the server closed the channel.
    if (status === 'CLOSED') {
      drop(target);
      target.rejoin = setTimeout(() => void open(slot, target).catch(() => setState(target, 'down')), REJOIN_MS);
    }
  });
}

function close<C>(target: Feed<C>): void {
  if (target.rejoin) clearTimeout(target.rejoin);
  if (target.linger) clearTimeout(target.linger);
  drop(target);
}

/** Joins `slot` to `topic` (leaving another topic it was on) and adds a listener; returns the unsubscribe. */
function subscribe<C>(
  slot: Slot<C>,
  topic: string,
  read: Feed<C>['read'],
  onChange: (change: C) => void,
  onState: (state: ChannelState) => void,
): () => void {
  if (slot.feed && slot.feed.topic !== topic) {
    close(slot.feed);
    slot.feed = null;
  }
  if (!slot.feed) {
    const created: Feed<C> = { topic, read, channel: null, state: 'connecting', listeners: new Set(), rejoin: null, linger: null };
    slot.feed = created;
    void open(slot, created).catch(() => setState(created, 'down'));
  }
  const target = slot.feed;
  if (target.linger) clearTimeout(target.linger);
  target.linger = null;
  const listener: Listener<C> = { onChange, onState };
  target.listeners.add(listener);
  onState(target.state);
  return () => {
    target.listeners.delete(listener);
    if (target.listeners.size > 0 || slot.feed !== target) return;
    target.linger = setTimeout(() => {
      if (slot.feed !== target || target.listeners.size > 0) return;
      close(target);
      slot.feed = null;
    }, LINGER_MS);
  };
}

/** Calls `onChange` for every change of the caller's live queue; returns the unsubscribe. */
export function subscribeQueueChanges(
  scope: QueueScope,
  onChange: (change: QueueChange) => void,
  onState: (state: ChannelState) => void,
): () => void {
  return subscribe(queueSlot, scopeTopic(scope), readQueueChange, onChange, onState);
}

/** Calls `onChange` when the contact state of the client's leads changes, whoever sent or opted them out. */
export function subscribeLeadChanges(
  clientId: string,
  onChange: (change: LeadChange) => void,
  onState: (state: ChannelState) => void,
): () => void {
  return subscribe(leadSlot, leadsTopic(clientId), readLeadChange, onChange, onState);
}

/** Tells this tab's listeners that the queue changed (after our own writes), ahead of realtime. */
export function notifyQueueChanged(kind: QueueChangeKind = 'items'): void {
  if (queueSlot.feed) emit(queueSlot.feed, { kind, items: null });
}
