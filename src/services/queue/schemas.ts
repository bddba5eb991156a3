/**
 * One schema per response shape whose generated type is `Json` or claims too much (set-returning
 * functions: every column "not null"). Each is typed against the app type it produces.
 */
import * as z from 'zod/mini';
import { Constants } from '@shared/database.ts';
import type {
  AdminStatus,
  BusinessHours,
  CapacityToday,
  HourlyThroughput,
  QueueDrain,
  QueueOutlook,
  QueueAlert,
  QueueLeadsResult,
  QueueItem,
  QueueStatus,
  StoredQueueSettings,
  SpreadPreview,
  SpreadResult,
} from '@/types/queue';
import { WAITING_REASONS } from '@/types/queue';

const count = z.number();
const maybeNumber = z.nullable(z.number());
const processingState = z.enum(Constants.public.Enums.processing_state);

const queueStatus = {
  depth: count,
  queued: count,
  processing: count,
  sent_24h: count,
  failed_24h: count,
  success_rate: maybeNumber,
  oldest_pending_seconds: maybeNumber,
  processing_state: z.nullable(processingState),
  last_processor_run_at: z.nullable(z.string()),
  // queue_status() answers it; queue_admin_status() rows do not.
  sending_paused_until: z.optional(z.nullable(z.string())),
};

export const QueueStatusRows: z.ZodMiniType<QueueStatus[]> = z.array(z.object(queueStatus));

export const AdminStatusRows: z.ZodMiniType<AdminStatus[]> = z.array(z.object({ user_id: z.string(), client_id: z.string(), email: z.nullable(z.string()), ...queueStatus }));

export const QueueOutlookRows: z.ZodMiniType<(QueueOutlook & { queue_item_id: string })[]> = z.array(
  z.object({
    queue_item_id: z.string(),
    waiting_for: z.enum(WAITING_REASONS),
    waiting_until: z.nullable(z.string()),
    expected_send_at: z.nullable(z.string()),
    holiday_name: z.nullable(z.string()),
    error_code: z.nullable(z.string()),
    attempt: count,
    max_attempts: count,
  }),
);

const text = z.nullable(z.string());
export const QueueListPageRows: z.ZodMiniType<(QueueItem & { lead_name: string | null; lead_phone: string | null })[]> = z.array(
  z.object({
    id: z.string(),
    lead_id: z.string(),
    user_id: z.string(),
    status: z.enum(Constants.public.Enums.queue_item_status),
    priority: z.enum(Constants.public.Enums.queue_priority),
    scheduled_for: z.string(),
    next_attempt_at: text,
    agent_conversation_id: text,
    processed_at: text,
    attempts: count,
    max_attempts: count,
    last_error: text,
    error_code: text,
    created_at: z.string(),
    updated_at: z.string(),
    lead_name: text,
    lead_phone: text,
  }),
);

export const QueueListCountRows: z.ZodMiniType<{ status: QueueItem['status']; items: number; capped: boolean }[]> = z.array(
  z.object({ status: z.enum(Constants.public.Enums.queue_item_status), items: count, capped: z.boolean() }),
);

export const QueueDrainRow: z.ZodMiniType<QueueDrain> = z.object({ waiting: count, drain_at: z.nullable(z.string()), paused: z.boolean() });

const spreadDay = z.object({ day: z.string(), window_start: z.string(), queued: count });
export const SpreadPreviewRow: z.ZodMiniType<SpreadPreview> = z.object({ days: z.array(spreadDay), skipped_recently_contacted: count });
export const SpreadResultRow: z.ZodMiniType<SpreadResult> = z.object({
  queued: count,
  days: z.array(spreadDay),
  skipped: count,
  skipped_recently_contacted: count,
  unplanned: count,
});

export const CapacityTodayRow: z.ZodMiniType<CapacityToday> = z.object({ sent_today: count, in_flight: count, capacity: count });

export const HourlyThroughputRows: z.ZodMiniType<HourlyThroughput[]> = z.array(
  z.object({ hour: z.string(), queued: count, sent: count, failed: count, retried: count, avg_latency_ms: maybeNumber }),
);

export const QueueAlertRows: z.ZodMiniType<QueueAlert[]> = z.array(
  z.object({ code: z.string(), severity: z.string(), message: z.string(), value: maybeNumber, threshold: maybeNumber }),
);

const dayHours = z.object({ enabled: z.boolean(), start: z.string(), end: z.string() });
const businessHours: z.ZodMiniType<BusinessHours> = z.object({
  sunday: dayHours,
  monday: dayHours,
  tuesday: dayHours,
  wednesday: dayHours,
  thursday: dayHours,
  friday: dayHours,
  saturday: dayHours,
});

/** A user_queue_settings row as the SPA reads it (business_hours is jsonb: `Json` to the generator). */
export const StoredSettingsRow: z.ZodMiniType<StoredQueueSettings> = z.object({
  timezone: z.string(),
  business_hours: businessHours,
  holiday_calendar: z.enum(['IL', 'none']),
  closed_dates: z.array(z.string()),
  short_erev_chag: z.boolean(),
  erev_chag_end: z.string(),
  daily_target: count,
  max_capacity: count,
  batch_size: z.nullable(count),
  processing_delay_ms: z.nullable(count),
  rate_limit_per_hour: z.nullable(count),
  retention_days: count,
  cooldown_days: count,
  processing_state: processingState,
  last_processor_run_at: z.nullable(z.string()),
});

/** The body queue-leads answers 200 with (supabase/functions/queue-leads/handler.ts). */
export const QueueLeadsResponse: z.ZodMiniType<QueueLeadsResult> = z.object({
  queued: count,
  queueIds: z.array(z.string()),
  skipped: z.object({ duplicates: count, optedOut: count, unknown: count, recentlyContacted: count }),
  warning: z.nullable(z.string()),
  scheduledFor: z.optional(z.string()),
});
