import { z } from 'zod';

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
    leadIds: z.array(z.guid()).min(1).max(1000),
    priority: z.enum(PRIORITIES).default('normal'),
    scheduledFor: z.iso.datetime({ offset: true }).optional(),
    template: z.string().trim().min(1).max(100).default('initial_outreach'),
    variables: z
      .record(z.string(), z.unknown())
      .default({})
      .refine((value) => byteLength(value) <= MAX_VARIABLES_BYTES, { message: `variables must be at most ${MAX_VARIABLES_BYTES} bytes of JSON` }),
    deferToNextWindow: z.boolean().default(false),
  })
  .strict();
export type QueueLeadsInput = z.infer<typeof queueLeadsInput>;

/** Body of POST /functions/v1/queue-processor (all optional; `now` only honoured for the service role in tests). */
export const processorInput = z
  .object({
    now: z.iso.datetime({ offset: true }).optional(),
    userId: z.guid().optional(),
    budgetMs: z.number().int().min(1000).max(150_000).optional(),
    /** The local cron stand-in says who called; informational only. */
    trigger: z.string().max(50).optional(),
  })
  .strict();
export type ProcessorInput = z.infer<typeof processorInput>;

/** What the Agent DB reports back about one queue item. */
export const agentCallbackInput = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('conversation_started'),
    queue_item_id: z.guid(),
    conversation_id: z.string().min(1).max(200),
  }),
  z.object({
    event: z.literal('delivery_failed'),
    queue_item_id: z.guid(),
    error_code: z.string().min(1).max(100),
    error_message: z.string().max(1000).optional(),
  }),
]);
export type AgentCallbackInput = z.infer<typeof agentCallbackInput>;

/** A readable one-line summary of zod issues for `{error: {message}}`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}
