import { describe, expect, it } from 'vitest';
import { retryDelay } from '@/hooks/useLoader';

describe('retryDelay: how long a failed load waits before trying again', () => {
  it('doubles from one second up to thirty', () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => retryDelay(attempt, middle))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads tabs apart by up to a quarter either way', () => {
    expect(retryDelay(2, () => 0)).toBe(3000);
    expect(retryDelay(2, () => 1)).toBe(5000);
  });
});
