import { describe, expect, it } from 'vitest';
import { businessRulesEngine, createBusinessRulesEngine } from '../businessRulesEngine';

describe('BusinessRulesEngine', () => {
  describe('Business Hours Validation', () => {
    it('should allow queueing during business hours', async () => {
      const monday9am = new Date('2024-01-15T09:00:00+02:00');
      const result = await businessRulesEngine.validateOperation({
        leadIds: ['123'],
        scheduledFor: monday9am,
      });
      expect(result.allowed).toBe(true);
    });

    it('should reject queueing on Saturday', async () => {
      const saturday = new Date('2024-01-13T10:00:00+02:00');
      const result = await businessRulesEngine.validateOperation({
        leadIds: ['123'],
        scheduledFor: saturday,
      });
      expect(result.allowed).toBe(false);
      expect(result.reason).toContain('business closed');
    });

    it('should reject queueing outside business hours', async () => {
      const monday8pm = new Date('2024-01-15T20:00:00+02:00');
      const result = await businessRulesEngine.validateOperation({
        leadIds: ['123'],
        scheduledFor: monday8pm,
      });
      expect(result.allowed).toBe(false);
      expect(result.reason).toContain('Outside business hours');
    });
  });

  describe('Capacity Validation', () => {
    it('should warn when exceeding daily target', async () => {
      // Instead of mocking supabase: today's count and "now" (a Monday 10:00 in Israel) are injected.
      const engine = createBusinessRulesEngine({
        countToday: () => 40,
        clock: () => new Date('2024-01-15T10:00:00+02:00'),
      });

      const result = await engine.validateOperation({
        leadIds: Array(10).fill('123'), // 40 + 10 = 50 > 45 target
      });

      expect(result.allowed).toBe(true);
      expect(result.warning).toContain('Exceeding daily target');
    });
  });
});
