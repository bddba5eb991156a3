import { useEffect, useState } from 'react';
import { nowDate } from '@/lib/clock';
import type { Window } from '@/lib/eta';
import type { ProcessorDefaults, QueueSettings } from '@/types/queue';

import type * as BusinessWindows from '@/lib/businessWindows';

type Rules = typeof BusinessWindows;
let rules: Promise<Rules> | null = null;
const loadRules = () => (rules ??= import('@/lib/businessWindows'));

export interface WindowPreview {
  ready: boolean;
  /** Null when no window lies ahead; undefined while loading or when settings are invalid. */
  next: Window | null | undefined;
  openNow: boolean;
  drainAt: Date | null | undefined;
}

/** The next business window and the queue's drain time (once the environment's pacing is known), from the shared business rules. */
export function useBusinessWindow(settings: QueueSettings | null, depth = 0, defaults: ProcessorDefaults | null = null): WindowPreview {
  const [preview, setPreview] = useState<WindowPreview>({ ready: false, next: undefined, openNow: false, drainAt: undefined });

  useEffect(() => {
    if (!settings) return;
    let active = true;
    void loadRules().then((module) => {
      if (!active) return;
      const now = nowDate();
      try {
        const next = module.nextWindow(now, settings);
        setPreview({
          ready: true,
          next,
          openNow: next !== null && next.start.getTime() <= now.getTime(),
          drainAt: defaults ? module.drainEta(depth, now, settings, defaults) : undefined,
        });
      } catch {
        setPreview({ ready: true, next: undefined, openNow: false, drainAt: undefined });
      }
    });
    return () => {
      active = false;
    };
  }, [settings, depth, defaults]);

  return preview;
}
