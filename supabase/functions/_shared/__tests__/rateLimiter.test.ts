import { describe, expect, it } from 'vitest';
import { loadConfig } from '../env.ts';
import { sendBudgetPerHour, takeSendTokens, type TakeTokens } from '../rateLimiter.ts';

/** An in-memory bucket with take_rate_tokens' contract: grants up to what is left. */
function bucketOf(size: number): { take: TakeTokens; calls: Array<[string, number, number]> } {
  const left = new Map<string, number>();
  const calls: Array<[string, number, number]> = [];
  return {
    calls,
    take: async (bucket, wanted, perHour) => {
      calls.push([bucket, wanted, perHour]);
      const available = left.get(bucket) ?? size;
      const granted = Math.min(available, wanted);
      left.set(bucket, available - granted);
      return granted;
    },
  };
}

describe('rate limits', () => {
  it('the send budget is per client and the lower of platform and admin limits', async () => {
    expect(sendBudgetPerHour(1000, 300)).toBe(300);
    expect(sendBudgetPerHour(1000, 5000)).toBe(1000);
    expect(sendBudgetPerHour(1000, null)).toBe(1000);
    const bucket = bucketOf(3);
    expect(await takeSendTokens(bucket.take, 'c1', 10, 180)).toBe(3);
    expect(await takeSendTokens(bucket.take, 'c1', 10, 180)).toBe(0);
    expect(await takeSendTokens(bucket.take, 'c1', 0, 180)).toBe(0);
    expect(bucket.calls[0]).toEqual(['send:c1', 10, 180]);
  });
});

describe('function environment', () => {
  const base: Record<string, string> = { SUPABASE_URL: 'http://127.0.0.1:1', SUPABASE_ANON_KEY: 'a', SUPABASE_SERVICE_ROLE_KEY: 's' };

  it('applies the spec defaults', () => {
    const config = loadConfig((name) => base[name]);
    expect(config).toMatchObject({ batchSize: 10, processingDelayMs: 2000, whatsappPerHour: 1000, processorBudgetMs: 100_000, processorClaimWindowMs: 57_000, agent: { url: null, timeoutMs: 10_000 } });
  });

  it('names what is missing or malformed', () => {
    expect(() => loadConfig((name) => ({ ...base, SUPABASE_URL: undefined, QUEUE_BATCH_SIZE: 'ten' })[name])).toThrow(/SUPABASE_URL, QUEUE_BATCH_SIZE/);
  });
});
