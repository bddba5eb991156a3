import { useEffect, useRef, useState } from 'react';
import { subscribeQueueChanges, type ChannelState } from '@/services/queue/queueService';

const COALESCE_MS = 250;
const POLL_MS = 5000;

/**
 * Calls `onChange` after queue changes, at most once per `coalesceMs` however many rows changed
 * (a batch of 200 updates is one refetch). Polls only while the realtime channel is not live.
 */
export function useQueueChanges(onChange: () => void, coalesceMs = COALESCE_MS): { live: boolean } {
  const callback = useRef(onChange);
  const [state, setState] = useState<ChannelState>('connecting');

  useEffect(() => {
    callback.current = onChange;
  }, [onChange]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = subscribeQueueChanges(
      () => {
        timer ??= setTimeout(() => {
          timer = null;
          callback.current();
        }, coalesceMs);
      },
      (next) => setState(next),
    );
    return () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [coalesceMs]);

  useEffect(() => {
    if (state !== 'down') return;
    const interval = setInterval(() => callback.current(), POLL_MS);
    return () => clearInterval(interval);
  }, [state]);

  return { live: state === 'live' };
}
