import { vi } from 'vitest';
import type * as QueueMetricsService from '@/services/queue/queueMetricsService';
import { backend } from '../backend';

/** Stands in for services/queue/queueMetricsService; `satisfies` fails typecheck when the two drift apart. */
export const queueMetricsService = {
  getHourlyThroughput: vi.fn(async (_clientId: string, _hours?: number) => backend.throughput),
  getAlerts: vi.fn(async (_clientId: string) => backend.alerts),
} satisfies typeof QueueMetricsService;
