import type { RealtimeChannel } from '@supabase/supabase-js';
import { createWaiter } from './waiter.ts';

/** supabase-js or a bare RealtimeClient: whatever makes channels. */
export interface ChannelMaker {
  channel(topic: string, params?: { config: Record<string, unknown> }): RealtimeChannel;
}

export interface ReceivedBroadcast {
  event: string;
  payload: Record<string, unknown>;
  /** `meta.id`: the realtime.messages id of a broadcast sent from the database. */
  messageId: string | undefined;
  receivedAt: number;
}

export interface BroadcastWatch {
  channel: RealtimeChannel;
  messages: ReceivedBroadcast[];
  /** Every status the subscribe callback reported, in order (SUBSCRIBED, CLOSED, CHANNEL_ERROR…). */
  statuses: string[];
  /** The server's `system` messages on this channel (e.g. why it was closed). */
  system: { status: string; message: string }[];
  waitFor(done: (messages: ReceivedBroadcast[]) => boolean, timeoutMs?: number): Promise<void>;
  waitForStatus(status: string, timeoutMs?: number): Promise<void>;
}

export interface BroadcastOptions {
  /** A private channel (the default): the realtime.messages policies decide the join. */
  private?: boolean;
  self?: boolean;
  ack?: boolean;
}

function join(maker: ChannelMaker, topic: string, options: BroadcastOptions) {
  const messages: ReceivedBroadcast[] = [];
  const statuses: string[] = [];
  const system: { status: string; message: string }[] = [];
  const waiter = createWaiter();
  let error: Error | null = null;
  const channel = maker
    .channel(topic, { config: { private: options.private ?? true, broadcast: { self: options.self ?? false, ack: options.ack ?? false } } })
    .on('broadcast', { event: '*' }, (message: { event: string; payload: Record<string, unknown>; meta?: { id?: string } }) => {
      messages.push({ event: message.event, payload: message.payload, messageId: message.meta?.id, receivedAt: performance.now() });
      waiter.notify();
    })
    .on('system', {}, (message: { status: string; message: string }) => {
      system.push({ status: message.status, message: message.message });
      waiter.notify();
    });
  channel.subscribe((status, reason) => {
    statuses.push(status);
    if (status === 'CHANNEL_ERROR' && !error) error = reason ?? new Error(status);
    waiter.notify();
  });
  return { channel, messages, statuses, system, waiter, error: () => error };
}

/** Joins `topic` and resolves once the server accepted the join (rejects with the server's reason). */
export async function watchBroadcasts(maker: ChannelMaker, topic: string, options: BroadcastOptions = {}): Promise<BroadcastWatch> {
  const joined = join(maker, topic, options);
  const { channel, messages, statuses, system, waiter } = joined;
  const watch: BroadcastWatch = {
    channel,
    messages,
    statuses,
    system,
    waitFor: (done, timeoutMs = 5000) =>
      waiter.until(() => done(messages), timeoutMs, `broadcasts on ${topic}`).catch((error: Error) => {
        throw new Error(`${error.message}; received ${JSON.stringify(messages.map((m) => [m.event, m.payload]))}`);
      }),
    waitForStatus: (status, timeoutMs = 5000) => waiter.until(() => statuses.includes(status), timeoutMs, `${status} on ${topic}`),
  };
  await waiter.until(() => statuses.includes('SUBSCRIBED'), 10_000, `the join of ${topic}`, () => joined.error());
  return watch;
}

/** Tries to join `topic`; resolves with the server's refusal and leaves the channel (it would retry). */
export async function refusedJoin(maker: ChannelMaker & { removeChannel(channel: RealtimeChannel): Promise<unknown> }, topic: string): Promise<Error> {
  const joined = join(maker, topic, {});
  try {
    await joined.waiter.until(() => joined.error() !== null, 10_000, `the refusal of ${topic}`, () =>
      joined.statuses.includes('SUBSCRIBED') ? new Error(`${topic} was joined`) : null,
    );
    return joined.error() as Error;
  } finally {
    await maker.removeChannel(joined.channel);
  }
}
