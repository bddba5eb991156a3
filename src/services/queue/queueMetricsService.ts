import { supabase } from '@/integrations/supabase/client';
import { parseResponse, unwrap } from '@/services/errors';
import { HourlyThroughputRows, QueueAlertRows } from '@/services/queue/schemas';
import type { HourlyThroughput, QueueAlert } from '@/types/queue';

export async function getHourlyThroughput(hours = 24): Promise<HourlyThroughput[]> {
  return parseResponse(HourlyThroughputRows, unwrap(await supabase.rpc('queue_hourly_throughput', { hours })), 'queue_hourly_throughput() result');
}

export async function getAlerts(): Promise<QueueAlert[]> {
  return parseResponse(QueueAlertRows, unwrap(await supabase.rpc('queue_alerts')), 'queue_alerts() result');
}
