/** `take_rate_tokens(bucket, wanted, per_hour)`: tokens granted (0..wanted) from a bucket refilled at per_hour. */
export type TakeTokens = (bucket: string, wanted: number, perHour: number) => Promise<number>;

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the next operation may pass (0 when allowed). */
  retryAfter: number;
}

/**
 * Per-admin limit on queueing operations. The bucket lives in Postgres (private.rate_buckets), so
 * every Deno isolate sees the same count.
 */
export function createQueueRateLimiter(takeTokens: TakeTokens, operationsPerHour: number) {
  return {
    async checkLimit(userId: string): Promise<RateLimitResult> {
      const granted = await takeTokens(`queue:${userId}`, 1, operationsPerHour);
      if (granted >= 1) return { allowed: true, retryAfter: 0 };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(3600 / operationsPerHour)) };
    },
  };
}

/** The WhatsApp send budget per client: the lower of the platform limit and the admin's own setting. */
export function sendBudgetPerHour(platformPerHour: number, adminPerHour: number | null | undefined): number {
  return Math.max(1, Math.min(platformPerHour, adminPerHour ?? platformPerHour));
}

/** Takes up to `wanted` send tokens for a client; returns how many sends may happen now. */
export async function takeSendTokens(takeTokens: TakeTokens, clientId: string, wanted: number, perHour: number): Promise<number> {
  if (wanted <= 0) return 0;
  const granted = await takeTokens(`send:${clientId}`, wanted, perHour);
  return Math.max(0, Math.min(wanted, Math.floor(granted)));
}
