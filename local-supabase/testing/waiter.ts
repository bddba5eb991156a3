/** Event-driven waiting for test helpers: `until` resolves when `done()` holds after any `notify()`, no polling. */
export interface Waiter {
  notify(): void;
  /** Rejects after `timeoutMs`, or as soon as `failure()` returns an error. */
  until(done: () => boolean, timeoutMs: number, what: string, failure?: () => Error | null): Promise<void>;
}

export function createWaiter(): Waiter {
  const checks = new Set<() => void>();
  return {
    notify: () => {
      for (const check of [...checks]) check();
    },
    until: (done, timeoutMs, what, failure = () => null) =>
      new Promise<void>((resolve, reject) => {
        const finish = (error: Error | null) => {
          clearTimeout(timer);
          checks.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          const error = failure();
          if (error) finish(error);
          else if (done()) finish(null);
        };
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
        checks.add(check);
        check();
      }),
  };
}
