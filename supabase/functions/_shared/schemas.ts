import { z } from 'zod';
import { WEEKDAYS } from './businessRules.ts';
import { MAX_LEADS_PER_REQUEST } from './settingsDefaults.ts';

export const PRIORITIES = ['low', 'normal', 'high', 'immediate'] as const;
export type Priority = (typeof PRIORITIES)[number];

const MAX_VARIABLES_BYTES = 8 * 1024;

function byteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

/** Body of POST /functions/v1/queue-leads. */
export const queueLeadsInput = z
  .object({
    // guid, not uuid: any 8-4-4-4-12 hex id Postgres accepts, whatever its version bits.
    leadIds: z.array(z.guid()).min(1).max(MAX_LEADS_PER_REQUEST),
    priority: z.enum(PRIORITIES).default('normal'),
    scheduledFor: z.iso.datetime({ offset: true }).optional(),
    template: z.string().trim().min(1).max(100).default('initial_outreach'),
    variables: z
      .record(z.string(), z.json())
      .default({})
      .refine((value) => byteLength(value) <= MAX_VARIABLES_BYTES, { message: `variables must be at most ${MAX_VARIABLES_BYTES} bytes of JSON` }),
    deferToNextWindow: z.boolean().default(false),
    /** The client to queue for; by default the one client the leads belong to. */
    clientId: z.guid().optional(),
    /** Queue leads contacted within the admin's cool-down too (by default they are skipped and counted). */
    includeRecentlyContacted: z.boolean().default(false),
  })
  .strict();
export type QueueLeadsInput = z.infer<typeof queueLeadsInput>;

/** Body of POST /functions/v1/queue-processor (all optional; `now` only honoured for the service role in tests). */
export const processorInput = z
  .object({
    now: z.iso.datetime({ offset: true }).optional(),
    userId: z.guid().optional(),
    /** The dispatcher's shard: the (admin, client) pairs this invocation serves. */
    pairs: z.array(z.object({ user_id: z.guid(), client_id: z.guid() }).strict()).min(1).max(10_000).optional(),
    budgetMs: z.number().int().min(1000).max(150_000).optional(),
    /** When the dispatcher's tick ran (the database's clock): the claim window is the tick's minute, however late the call arrives. */
    dispatchedAt: z.iso.datetime({ offset: true }).optional(),
    /** The local cron stand-in says who called; informational only. */
    trigger: z.string().max(50).optional(),
  })
  .strict();

/** What the Agent DB reports back: a conversation start or a failed one (about one attempt), a reply, a stop word. */
export const agentCallbackInput = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('conversation_started'),
    queue_item_id: z.guid(),
    conversation_id: z.string().min(1).max(200),
  }),
  z.object({
    event: z.literal('delivery_failed'),
    queue_item_id: z.guid(),
    attempt: z.number().int().min(1).max(1000),
    error_code: z.string().min(1).max(100),
    error_message: z.string().max(1000).optional(),
  }),
  z.object({
    event: z.literal('lead_opted_out'),
    lead_id: z.guid(),
    queue_item_id: z.guid().optional(),
    keyword: z.string().min(1).max(100).optional(),
  }),
  z.object({
    event: z.literal('lead_replied'),
    lead_id: z.guid(),
    queue_item_id: z.guid().optional(),
  }),
]);

/** What `enqueue_leads` returns (jsonb, so the generated type says only `Json`). */
export const enqueueResult = z.object({
  queued: z.number().int(),
  queue_ids: z.array(z.string()),
  skipped_duplicates: z.number().int(),
  skipped_opted_out: z.number().int(),
  skipped_unknown: z.number().int(),
  skipped_recently_contacted: z.number().int(),
  cooldown_days: z.number().int(),
  warning: z.string().nullable(),
  client_id: z.string(),
  scheduled_for: z.string(),
});
export type EnqueueResult = z.infer<typeof enqueueResult>;

/** enqueue_leads' refusal body (PostgREST hands it to supabase-js as the error): the codes and messages queue-leads answers with. */
export const enqueueRefusal = z.object({
  code: z.string(),
  message: z.string(),
  nextWindow: z.object({ start: z.string(), end: z.string() }).nullable().optional(),
  retryAfter: z.number().int().optional(),
});
export type EnqueueRefusal = z.infer<typeof enqueueRefusal>;

/** What record_agent_event answers (jsonb): the outcome of the first delivery of a webhook-id, `duplicate` on replays. */
export const agentEventOutcome = z.object({
  queueItemId: z.string().optional(),
  leadId: z.string().optional(),
  status: z.string().optional(),
  stale: z.boolean().optional(),
  optedOut: z.boolean().optional(),
  cancelledItems: z.number().int().optional(),
  duplicate: z.boolean().optional(),
});

/** The `user_queue_settings` columns the functions read. */
export const QUEUE_SETTINGS_COLUMNS =
  'user_id, client_id, timezone, business_hours, holiday_calendar, closed_dates, short_erev_chag, erev_chag_end, daily_target, max_capacity, batch_size, processing_delay_ms, rate_limit_per_hour';

/** A settings row as those columns hold it: `business_hours` is jsonb and `holiday_calendar` text to the generated type. */
export const queueSettingsRow = z.object({
  user_id: z.string(),
  client_id: z.string(),
  timezone: z.string(),
  business_hours: z.record(z.enum(WEEKDAYS), z.object({ enabled: z.boolean(), start: z.string(), end: z.string() })),
  holiday_calendar: z.enum(['IL', 'none']),
  closed_dates: z.array(z.string()),
  short_erev_chag: z.boolean(),
  erev_chag_end: z.string(),
  daily_target: z.number().int(),
  max_capacity: z.number().int(),
  batch_size: z.number().int().nullable(),
  processing_delay_ms: z.number().int().nullable(),
  rate_limit_per_hour: z.number().int().nullable(),
});
export type QueueSettingsRow = z.infer<typeof queueSettingsRow>;

/** A readable one-line summary of zod issues for `{error: {message}}`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}
