import { supabase } from '@/integrations/supabase/client';
import { unwrap } from '@/services/errors';
import type { HourlyThroughput, QueueAlert, UserPerformance } from '@/types/queue';

const num = (value: unknown): number => Number(value ?? 0);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export async function getHourlyThroughput(hours = 24): Promise<HourlyThroughput[]> {
  const rows = unwrap(await supabase.rpc('queue_hourly_throughput', { hours })) as Record<string, unknown>[];
  return rows.map((row) => ({
    hour: String(row.hour),
    queued: num(row.queued),
    sent: num(row.sent),
    failed: num(row.failed),
    retried: num(row.retried),
    avg_latency_ms: numOrNull(row.avg_latency_ms),
  }));
}

export async function getUserPerformance(days = 7): Promise<UserPerformance[]> {
  const rows = unwrap(await supabase.rpc('queue_user_performance', { days })) as Record<string, unknown>[];
  return rows.map((row) => ({
    user_id: String(row.user_id),
    email: (row.email as string | null) ?? null,
    total_queued: num(row.total_queued),
    sent: num(row.sent),
    failed: num(row.failed),
    success_rate: numOrNull(row.success_rate),
  }));
}

export async function getAlerts(): Promise<QueueAlert[]> {
  const rows = unwrap(await supabase.rpc('queue_alerts')) as Record<string, unknown>[];
  return rows.map((row) => ({
    code: String(row.code),
    severity: String(row.severity),
    message: String(row.message),
    value: numOrNull(row.value),
    threshold: numOrNull(row.threshold),
  }));
}
