import type { RealtimeChannel } from '@supabase/supabase-js';
import { QUEUE_EVENTS, queueTopic, type QueueChangeKind } from '@shared/queueTopics.ts';
import { supabase } from '@/integrations/supabase/client';
import type { MemberRole } from '@/types/queue';

export type { QueueChangeKind };
export type ChannelState = 'connecting' | 'live' | 'down';

/** Whose live queue: a manager listens to the client's topic, an admin to their own items' topic. */
export interface QueueScope {
  clientId: string;
  userId: string;
  role: MemberRole;
}

/** What changed: the queue's items, an admin's settings (state, last run) or the client's sending pause. */
export interface QueueChange {
  kind: QueueChangeKind;
}

interface Listener {
  onChange: (change: QueueChange) => void;
  onState: (state: ChannelState) => void;
}

/** The app's one private channel, shared by every hook that wants queue changes. */
interface Feed {
  topic: string;
  channel: RealtimeChannel | null;
  state: ChannelState;
  listeners: Set<Listener>;
  rejoin: ReturnType<typeof setTimeout> | null;
  linger: ReturnType<typeof setTimeout> | null;
}

/** A channel the server closed (token expired, membership revoked) is joined again after this long. */
const REJOIN_MS = 10_000;
/** The last listener leaving keeps the channel this long, so a remount (StrictMode, navigation) reuses it. */
const LINGER_MS = 1_000;
const KIND_OF_EVENT = new Map<string, QueueChangeKind>(
  (Object.keys(QUEUE_EVENTS) as QueueChangeKind[]).map((kind) => [QUEUE_EVENTS[kind], kind]),
);

let feed: Feed | null = null;

function scopeTopic(scope: QueueScope): string {
  return scope.role === 'manager' ? queueTopic(scope.clientId) : queueTopic(scope.clientId, scope.userId);
}

function setState(target: Feed, state: ChannelState): void {
  target.state = state;
  for (const listener of target.listeners) listener.onState(state);
}

function emit(change: QueueChange): void {
  for (const listener of feed?.listeners ?? []) listener.onChange(change);
}

function drop(target: Feed): void {
  const { channel } = target;
  target.channel = null;
  if (channel) void supabase.removeChannel(channel);
}

/** Joins the private topic with the session's token; the realtime.messages policies decide the join. */
async function open(target: Feed): Promise<void> {
  target.rejoin = null;
  await supabase.realtime.setAuth();
  if (feed !== target) return;
  const channel = supabase
    .channel(target.topic, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message: { event: string }) => {
      const kind = KIND_OF_EVENT.get(message.event);
      if (kind && feed === target) emit({ kind });
    });
  target.channel = channel;
  channel.subscribe((status) => {
    if (feed !== target || target.channel !== channel) return;
    setState(target, status === 'SUBSCRIBED' ? 'live' : 'down');
    // realtime-js rejoins after errors by itself, never after the server closed the channel.
    if (status === 'CLOSED') {
      drop(target);
      target.rejoin = setTimeout(() => void open(target).catch(() => setState(target, 'down')), REJOIN_MS);
    }
  });
}

function close(target: Feed): void {
  if (target.rejoin) clearTimeout(target.rejoin);
  if (target.linger) clearTimeout(target.linger);
  drop(target);
}

/** Calls `onChange` for every change of the caller's live queue; returns the unsubscribe. */
export function subscribeQueueChanges(
  scope: QueueScope,
  onChange: (change: QueueChange) => void,
  onState: (state: ChannelState) => void,
): () => void {
  const topic = scopeTopic(scope);
  if (feed && feed.topic !== topic) {
    close(feed);
    feed = null;
  }
  if (!feed) {
    const created: Feed = { topic, channel: null, state: 'connecting', listeners: new Set(), rejoin: null, linger: null };
    feed = created;
    void open(created).catch(() => setState(created, 'down'));
  }
  const target = feed;
  if (target.linger) clearTimeout(target.linger);
  target.linger = null;
  const listener: Listener = { onChange, onState };
  target.listeners.add(listener);
  onState(target.state);
  return () => {
    target.listeners.delete(listener);
    if (target.listeners.size > 0 || feed !== target) return;
    target.linger = setTimeout(() => {
      if (feed !== target || target.listeners.size > 0) return;
      close(target);
      feed = null;
    }, LINGER_MS);
  };
}

/** Tells this tab's listeners that the queue changed (after our own writes), ahead of realtime. */
export function notifyQueueChanged(kind: QueueChangeKind = 'items'): void {
  emit({ kind });
}
