import { vi } from 'vitest';
import { backend } from '../backend';

export const getHourlyThroughput = vi.fn(async () => backend.throughput);
export const getUserPerformance = vi.fn(async () => backend.performance);
export const getAlerts = vi.fn(async () => backend.alerts);
