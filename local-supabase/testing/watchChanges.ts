import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { createWaiter } from './waiter.ts';

export interface ChangeBinding {
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema?: string;
  /** Omitted: every published table of the schema. */
  table?: string;
  filter?: string;
}

export interface ReceivedChange {
  /** Index of the binding (in the order given to watchChanges) that fired. */
  binding: number;
  eventType: string;
  new: Record<string, unknown>;
  old: Record<string, unknown>;
  commit_timestamp: string;
  receivedAt: number;
}

export interface ChangeWatch {
  channel: RealtimeChannel;
  events: ReceivedChange[];
  /** Resolves when `done(events)` holds; rejects after `timeoutMs`. Event-driven, no polling. */
  waitFor(done: (events: ReceivedChange[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Number of times the channel reported SUBSCRIBED (joins and rejoins). */
  joins(): number;
  waitForJoins(count: number, timeoutMs?: number): Promise<void>;
}

/** Subscribes a channel with the given bindings and resolves once the server confirmed the join. */
export async function watchChanges(client: SupabaseClient, name: string, bindings: ChangeBinding[]): Promise<ChangeWatch> {
  const events: ReceivedChange[] = [];
  const waiter = createWaiter();
  let joins = 0;
  let failure: Error | null = null;
  const channel = client.channel(name);
  bindings.forEach((binding, index) => {
    channel.on('postgres_changes', { schema: 'public', ...binding }, (payload) => {
      events.push({
        binding: index,
        eventType: payload.eventType,
        new: payload.new as Record<string, unknown>,
        old: payload.old as Record<string, unknown>,
        commit_timestamp: payload.commit_timestamp,
        receivedAt: performance.now(),
      });
      waiter.notify();
    });
  });
  const until = (done: () => boolean, timeoutMs: number, what: string) =>
    waiter.until(done, timeoutMs, `${what} on ${name}`, () => failure);
  channel.subscribe((status, error) => {
    if (status === 'SUBSCRIBED') joins++;
    // Errors after the first join are socket drops the client recovers from by rejoining.
    else if (joins === 0 && (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT')) failure = error ?? new Error(status);
    waiter.notify();
  });
  const watch: ChangeWatch = {
    channel,
    events,
    waitFor: (done, timeoutMs = 5000) =>
      until(() => done(events), timeoutMs, 'changes').catch((error: Error) => {
        throw new Error(`${error.message}; received ${JSON.stringify(events.map((e) => [e.binding, e.eventType, e.new, e.old]))}`);
      }),
    joins: () => joins,
    waitForJoins: (count, timeoutMs = 10_000) => until(() => joins >= count, timeoutMs, `${count} joins`),
  };
  await watch.waitForJoins(1);
  return watch;
}
