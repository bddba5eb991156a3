import { z } from 'zod';
import type { SupabaseEnv } from './db.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_ANON_KEY: z.string().min(1),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  AGENT_DB_WEBHOOK_URL: z.url().optional(),
  AGENT_DB_API_KEY: z.string().default(''),
  AGENT_DB_WEBHOOK_SECRET: z.string().default(''),
  AGENT_DB_TIMEOUT_MS: positiveInt(10_000),
  QUEUE_BATCH_SIZE: positiveInt(10),
  QUEUE_PROCESSING_DELAY: z.coerce.number().int().min(0).default(2000),
  QUEUE_PROCESSOR_BUDGET_MS: positiveInt(100_000),
  QUEUE_PROCESSOR_CLAIM_WINDOW_MS: positiveInt(57_000),
  WHATSAPP_RATE_LIMIT_PER_HOUR: positiveInt(1000),
  QUEUE_WORKER_NAME: z.string().max(60).default('queue-processor'),
});

export interface FunctionConfig {
  supabase: SupabaseEnv;
  agent: { url: string | null; apiKey: string; secret: string; timeoutMs: number };
  batchSize: number;
  processingDelayMs: number;
  processorBudgetMs: number;
  processorClaimWindowMs: number;
  whatsappPerHour: number;
  /** Prefix of this process's worker ids (lease owner in the queue and the audit log). */
  workerName: string;
}

/** Parses the function secrets once, with a readable error naming what is missing. */
export function loadConfig(read: (name: string) => string | undefined): FunctionConfig {
  const raw = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, read(name) || undefined]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`Edge Function environment is invalid: ${names}`);
  }
  const env = parsed.data;
  return {
    supabase: { url: env.SUPABASE_URL, anonKey: env.SUPABASE_ANON_KEY, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY },
    agent: { url: env.AGENT_DB_WEBHOOK_URL ?? null, apiKey: env.AGENT_DB_API_KEY, secret: env.AGENT_DB_WEBHOOK_SECRET, timeoutMs: env.AGENT_DB_TIMEOUT_MS },
    batchSize: env.QUEUE_BATCH_SIZE,
    processingDelayMs: env.QUEUE_PROCESSING_DELAY,
    processorBudgetMs: env.QUEUE_PROCESSOR_BUDGET_MS,
    processorClaimWindowMs: env.QUEUE_PROCESSOR_CLAIM_WINDOW_MS,
    whatsappPerHour: env.WHATSAPP_RATE_LIMIT_PER_HOUR,
    workerName: env.QUEUE_WORKER_NAME,
  };
}
