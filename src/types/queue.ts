/** App-level queue types, in the product's words; rows and enums come from the generated schema types. */
import { Constants, type Database } from '@shared/database.ts';
import type { QueueLeadsInput } from '@shared/schemas.ts';

type Row<Table extends keyof Database['public']['Tables']> = Database['public']['Tables'][Table]['Row'];
type Enum<Name extends keyof Database['public']['Enums']> = Database['public']['Enums'][Name];

export const QUEUE_STATUSES = Constants.public.Enums.queue_item_status;
export type QueueItemStatus = Enum<'queue_item_status'>;

export const PRIORITIES = Constants.public.Enums.queue_priority;
export type QueuePriority = Enum<'queue_priority'>;

export type MemberRole = Enum<'member_role'>;
export type ProcessingState = Enum<'processing_state'>;

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

// Type aliases, not interfaces: they are then assignable to the jsonb column's `Json` type.
export type DayHours = { enabled: boolean; start: string; end: string };
export type BusinessHours = Record<Weekday, DayHours>;

/** The values the `settings_holiday_calendar_known` check allows. */
export type HolidayCalendar = 'IL' | 'none';

type EditableSettingsColumn =
  | 'timezone'
  | 'closed_dates'
  | 'short_erev_chag'
  | 'erev_chag_end'
  | 'daily_target'
  | 'max_capacity'
  | 'batch_size'
  | 'processing_delay_ms'
  | 'rate_limit_per_hour'
  | 'retention_days'
  | 'cooldown_days';

/** The editable part of user_queue_settings, with the jsonb and checked text columns in their real shapes. */
export type QueueSettings = Pick<Row<'user_queue_settings'>, EditableSettingsColumn> & {
  business_hours: BusinessHours;
  holiday_calendar: HolidayCalendar;
};

/** The environment's pacing values (public.processor_defaults()): what an admin's empty override means. */
export interface ProcessorDefaults {
  batch_size: number;
  processing_delay_ms: number;
  rate_limit_per_hour: number;
}

export type StoredQueueSettings = QueueSettings & Pick<Row<'user_queue_settings'>, 'processing_state' | 'last_processor_run_at'>;

export interface Membership {
  clientId: string;
  role: MemberRole;
  /** The client's name, for the client picker of a user in several clients. */
  clientName: string | null;
}

export type Lead = Pick<Row<'leads'>, 'id' | 'name' | 'phone' | 'email' | 'tags' | 'opted_out_at' | 'last_contacted_at'>;

/** What the lead form edits. */
export type LeadDraft = Pick<Lead, 'name' | 'phone' | 'email' | 'tags'>;

export type LeadFilter = 'all' | 'never_contacted' | 'not_contacted_recently' | 'in_queue' | 'opted_out';

export type MessageTemplate = Pick<Row<'message_templates'>, 'id' | 'name' | 'variables' | 'description'>;

/** lead_import_report(): counts, the rows not imported with their reason, and whether every chunk arrived. */
export interface LeadImportReport {
  import_id: string;
  file_name: string;
  total_rows: number;
  blank_rows: number;
  total_chunks: number;
  chunks_done: number;
  complete: boolean;
  created: number;
  updated: number;
  unchanged: number;
  kept_opted_out: number;
  invalid: Array<{ row: number; reason: string; value?: string | undefined }>;
}

export interface ExportFilter {
  clientId: string;
  /** ISO instants: items created in [from, to). */
  from: string;
  to: string;
  status: QueueItemStatus | 'all';
}

export type ExportRow = Pick<
  Row<'whatsapp_message_queue'>,
  | 'id'
  | 'created_at'
  | 'status'
  | 'priority'
  | 'scheduled_for'
  | 'processed_at'
  | 'attempts'
  | 'error_code'
  | 'last_error'
  | 'agent_conversation_id'
  | 'message_template'
> & { lead: { name: string; phone: string } | null };

export type QueueItem = Pick<
  Row<'whatsapp_message_queue'>,
  | 'id'
  | 'lead_id'
  | 'user_id'
  | 'status'
  | 'priority'
  | 'scheduled_for'
  | 'next_attempt_at'
  | 'agent_conversation_id'
  | 'processed_at'
  | 'attempts'
  | 'max_attempts'
  | 'last_error'
  | 'error_code'
  | 'created_at'
  | 'updated_at'
>;

export const WAITING_REASONS = [
  'scheduled', 'outside_hours', 'holiday', 'daily_capacity', 'send_budget', 'client_paused', 'admin_paused', 'backoff', 'in_flight', 'due_now',
] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** Why a waiting item waits, until when, and when it is expected to go (queue_outlook in SQL). */
export interface QueueOutlook {
  waiting_for: WaitingReason;
  waiting_until: string | null;
  expected_send_at: string | null;
  holiday_name: string | null;
  error_code: string | null;
  attempt: number;
  max_attempts: number;
}

/** When the last waiting item is expected to go (null: never, as things stand), or paused. */
export interface QueueDrain {
  waiting: number;
  drain_at: string | null;
  paused: boolean;
}

/** One line of an item's history, from the audit log. */
export type HistoryEntry = Pick<Row<'queue_audit_log'>, 'id' | 'action' | 'from_status' | 'to_status' | 'actor_id' | 'created_at'> & {
  details: { [key: string]: unknown };
};

export interface CapacityToday {
  sent_today: number;
  in_flight: number;
  capacity: number;
}

/** A queue item with the lead it is for and, while it waits, its outlook, as the list shows it. */
export interface QueueListItem extends QueueItem {
  leadName: string | null;
  leadPhone: string | null;
  outlook: QueueOutlook | null;
}

/** Where the next page of the list starts: the last shown item's keys (created_at as the server wrote it, microseconds kept). */
export interface QueuePageCursor {
  createdAt: string;
  id: string;
}

/** Items per page of the queue list. */
export const QUEUE_PAGE_SIZE = 50;

/** One page of the list, newest first; `next` is null on the last page. */
export interface QueuePage {
  items: QueueListItem[];
  next: QueuePageCursor | null;
}

/** What the list shows: a status tab (or all) and an optional search by lead name or phone. */
export interface QueueListQuery {
  status: QueueItemStatus | 'all';
  search: string;
}

/** The status tabs' counts; exact, except for a search matching over 5,000 leads: then the matches among the newest 1,000 items (`capped`: there may be more). */
export type QueueStatusCounts = Record<QueueItemStatus, { items: number; capped: boolean }>;

// The generated types call every column of a set-returning function not null; these say which can be.

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
  sending_paused_until?: string | null | undefined;
}

export interface HourlyThroughput {
  hour: string;
  queued: number;
  sent: number;
  failed: number;
  retried: number;
  avg_latency_ms: number | null;
}

/** queue_admin_status(): one admin's numbers, counted as queue_status() counts the total. */
export interface AdminStatus extends QueueStatus {
  user_id: string;
  client_id: string;
  email: string | null;
}

/** An admin whose queue the signed-in user may see, with their settings row. */
export interface AdminSettings {
  userId: string;
  settings: StoredQueueSettings;
}

export interface QueueAlert {
  code: string;
  severity: string;
  message: string;
  value: number | null;
  threshold: number | null;
}

/** What the SPA sends to queue-leads: the function's own input schema, so the two cannot drift. */
export type QueueLeadsRequest = Pick<QueueLeadsInput, 'leadIds' | 'priority' | 'scheduledFor'> &
  Partial<Pick<QueueLeadsInput, 'deferToNextWindow' | 'clientId' | 'template' | 'variables' | 'includeRecentlyContacted'>>;

export interface TimeWindow {
  start: string;
  end: string;
}

export interface QueueLeadsResult {
  queued: number;
  queueIds: string[];
  skipped: { duplicates: number; optedOut: number; unknown: number; recentlyContacted: number };
  warning: string | null;
  scheduledFor?: string | undefined;
}

/** Several queue-leads calls as one: the sums, and the refusal that stopped them, if one did. */
export interface ChunkedQueueResult extends QueueLeadsResult {
  calls: number;
  /** Leads not sent because a call was refused (that call's and every later call's). */
  notSent: number;
}

/** One open day of a spread: when its items may go from, and how many go that day (plan_spread / enqueue_spread). */
export interface SpreadDay {
  day: string;
  window_start: string;
  queued: number;
}

/** What a spread keeps from the batch's choice: the template, its variables and the cool-down override. */
export type SpreadChoice = Required<Pick<QueueLeadsRequest, 'template' | 'variables' | 'includeRecentlyContacted'>>;

/** A spread's preview: the open days, and the leads the cool-down keeps out (they take no day's capacity). */
export interface SpreadPreview {
  days: SpreadDay[];
  skipped_recently_contacted: number;
}

export interface SpreadResult {
  queued: number;
  days: SpreadDay[];
  skipped: number;
  skipped_recently_contacted: number;
  /** Leads that fit no open day within a year. */
  unplanned: number;
}
