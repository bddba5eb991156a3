import { agentConfigProblem } from '../_shared/agentWebhook.ts';
import { loadConfig } from '../_shared/env.ts';
import { restRpc } from '../_shared/restRpc.ts';
import { sleep } from '../_shared/runtime.ts';
import { handleQueueProcessor } from './handler.ts';

const config = loadConfig((name) => Deno.env.get(name));
const rpc = restRpc(config.supabase.url, config.supabase.serviceRoleKey);
const agent = config.agent.url
  ? { url: config.agent.url, apiKey: config.agent.apiKey, secret: config.agent.secret, timeoutMs: config.agent.timeoutMs }
  : null;

Deno.serve((request) =>
  handleQueueProcessor(request, {
    serviceRoleKey: config.supabase.serviceRoleKey,
    configProblem: agentConfigProblem(config.agent),
    serverClock: () => new Date(),
    makeDeps: (clock, budgetMs) => ({
      rpc,
      agent,
      clock,
      wallClock: () => new Date(),
      monotonic: () => performance.now(),
      sleep,
      workerId: `${config.workerName}:${crypto.randomUUID()}`,
      batchSize: config.batchSize,
      processingDelayMs: config.processingDelayMs,
      budgetMs: Math.min(budgetMs ?? config.processorBudgetMs, config.processorBudgetMs),
      claimWindowMs: config.processorClaimWindowMs,
      whatsappPerHour: config.whatsappPerHour,
    }),
  }),
);
