import { supabase } from '@/integrations/supabase/client';
import { parseResponse, unwrap } from '@/services/errors';
import { HourlyThroughputRows, QueueAlertRows, UserPerformanceRows } from '@/services/queue/schemas';
import type { HourlyThroughput, QueueAlert, UserPerformance } from '@/types/queue';

export async function getHourlyThroughput(hours = 24): Promise<HourlyThroughput[]> {
  return parseResponse(HourlyThroughputRows, unwrap(await supabase.rpc('queue_hourly_throughput', { hours })), 'queue_hourly_throughput() result');
}

export async function getUserPerformance(days = 7): Promise<UserPerformance[]> {
  return parseResponse(UserPerformanceRows, unwrap(await supabase.rpc('queue_user_performance', { days })), 'queue_user_performance() result');
}

export async function getAlerts(): Promise<QueueAlert[]> {
  return parseResponse(QueueAlertRows, unwrap(await supabase.rpc('queue_alerts')), 'queue_alerts() result');
}
