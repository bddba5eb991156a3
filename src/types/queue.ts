/** App-level queue types, in the product's words. Rows come from the schema contract. */

export const QUEUE_STATUSES = ['pending', 'queued', 'processing', 'sent', 'failed', 'cancelled'] as const;
export type QueueItemStatus = (typeof QUEUE_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'immediate'] as const;
export type QueuePriority = (typeof PRIORITIES)[number];

export type MemberRole = 'admin' | 'manager';
export type ProcessingState = 'running' | 'paused';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface DayHours {
  enabled: boolean;
  start: string;
  end: string;
}
export type BusinessHours = Record<Weekday, DayHours>;

export type HolidayCalendar = 'IL' | 'none';

/** The editable part of user_queue_settings. */
export interface QueueSettings {
  timezone: string;
  business_hours: BusinessHours;
  holiday_calendar: HolidayCalendar;
  closed_dates: string[];
  short_erev_chag: boolean;
  erev_chag_end: string;
  daily_target: number;
  max_capacity: number;
  batch_size: number;
  processing_delay_ms: number;
  rate_limit_per_hour: number;
  retention_days: number;
}

export interface StoredQueueSettings extends QueueSettings {
  processing_state: ProcessingState;
  last_processor_run_at: string | null;
}

export interface Membership {
  clientId: string;
  role: MemberRole;
}

export interface Lead {
  id: string;
  name: string;
  phone: string;
  email: string | null;
  opted_out_at: string | null;
  last_contacted_at: string | null;
}

export type LeadFilter = 'all' | 'never_contacted' | 'in_queue' | 'opted_out';

export interface QueueItem {
  id: string;
  lead_id: string;
  user_id: string;
  status: QueueItemStatus;
  priority: QueuePriority;
  scheduled_for: string | null;
  processed_at: string | null;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  error_code: string | null;
  created_at: string;
  updated_at: string;
}

/** A queue item with the lead it is for, as the list shows it. */
export interface QueueListItem extends QueueItem {
  leadName: string | null;
  leadPhone: string | null;
}

export interface QueueStatus {
  depth: number;
  queued: number;
  processing: number;
  sent_24h: number;
  failed_24h: number;
  success_rate: number | null;
  oldest_pending_seconds: number | null;
  processing_state: ProcessingState | null;
  last_processor_run_at: string | null;
}

export interface HourlyThroughput {
  hour: string;
  queued: number;
  sent: number;
  failed: number;
  retried: number;
  avg_latency_ms: number | null;
}

export interface UserPerformance {
  user_id: string;
  email: string | null;
  total_queued: number;
  sent: number;
  failed: number;
  success_rate: number | null;
}

export interface QueueAlert {
  code: string;
  severity: 'info' | 'warning' | 'critical' | string;
  message: string;
  value: number | null;
  threshold: number | null;
}

export interface ClosedDay {
  day: string;
  name: string;
  kind: string;
}

export interface QueueLeadsRequest {
  leadIds: string[];
  priority: QueuePriority;
  scheduledFor: string;
  deferToNextWindow?: boolean;
}

export interface TimeWindow {
  start: string;
  end: string;
}

export interface QueueLeadsResult {
  queued: number;
  queueIds: string[];
  skipped: { duplicates: number; optedOut: number; unknown: number };
  warning: string | null;
  scheduledFor?: string;
}

export type QueueErrorCode =
  | 'invalid_input'
  | 'forbidden'
  | 'business_closed'
  | 'outside_business_hours'
  | 'holiday'
  | 'capacity_exceeded'
  | 'rate_limited'
  | 'network'
  | 'unknown';

/** What the queue-leads function says when it refuses; the UI shows `message` and offers `nextWindow`. */
export class QueueLeadsError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
    readonly nextWindow: TimeWindow | null = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'QueueLeadsError';
  }
}
