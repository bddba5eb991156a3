import { useEffect, useRef, useState } from 'react';
import { subscribeLeadChanges, type ChannelState } from '@/services/queue/queueChangesService';
import { POLL_MS } from './useQueueChanges';

const COALESCE_MS = 250;

/**
 * Calls `onChange` with the leads whose contact state changed (null: reload them all), at most once per
 * `coalesceMs`: a burst of sends is one call naming every lead it touched. While the channel is down it calls
 * `onPoll` every POLL_MS instead (`onChange(null)` without one), and asks for it all once more when the channel is back.
 */
export function useLeadChanges(
  clientId: string,
  onChange: (leadIds: string[] | null) => void,
  onPoll?: () => void,
  coalesceMs = COALESCE_MS,
): { live: boolean } {
  const callback = useRef(onChange);
  const poll = useRef(onPoll);
  const [state, setState] = useState<ChannelState>('connecting');
  const wasDown = useRef(false);

  useEffect(() => {
    callback.current = onChange;
    poll.current = onPoll;
  }, [onChange, onPoll]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending: Set<string> | null = new Set();
    const unsubscribe = subscribeLeadChanges(
      clientId,
      ({ leadIds }) => {
        if (pending) {
          if (leadIds) for (const id of leadIds) pending.add(id);
          else pending = null;
        }
        timer ??= setTimeout(() => {
          const named = pending ? [...pending] : null;
          timer = null;
          pending = new Set();
          callback.current(named);
        }, coalesceMs);
      },
      setState,
    );
    return () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [clientId, coalesceMs]);

  useEffect(() => {
    // Back from down: what changed since the last poll was never broadcast to this tab.
    if (state === 'live' && wasDown.current) callback.current(null);
    if (state !== 'connecting') wasDown.current = state === 'down';
    if (state !== 'down') return;
    const interval = setInterval(() => (poll.current ? poll.current() : callback.current(null)), POLL_MS);
    return () => clearInterval(interval);
  }, [state]);

  return { live: state === 'live' };
}
