import { supabase } from '@/integrations/supabase/client';
import { parseResponse, unwrap } from '@/services/errors';
import { HourlyThroughputRows, QueueAlertRows } from '@/services/queue/schemas';
import type { HourlyThroughput, QueueAlert } from '@/types/queue';

/** One client's sends, failures and latency hour by hour (an admin of several sees the one picked; RLS applies). */
export async function getHourlyThroughput(clientId: string, hours = 24): Promise<HourlyThroughput[]> {
  return parseResponse(
    HourlyThroughputRows,
    unwrap(await supabase.rpc('queue_hourly_throughput', { hours, for_client: clientId })),
    'queue_hourly_throughput() result',
  );
}

/** One client's alerts (queue depth, throughput, failure rate, 429s, attempts outside hours; RLS applies). */
export async function getAlerts(clientId: string): Promise<QueueAlert[]> {
  return parseResponse(QueueAlertRows, unwrap(await supabase.rpc('queue_alerts', { for_client: clientId })), 'queue_alerts() result');
}
