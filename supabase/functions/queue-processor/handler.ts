import { bearerToken, errorResponse, jsonResponse, preflight, readJson } from '../_shared/http.ts';
import { describeIssues, processorInput } from '../_shared/schemas.ts';
import { runProcessor, type ProcessorDeps } from './processor.ts';

export interface ProcessorHandlerDeps {
  serviceRoleKey: string;
  /** Why the Agent DB settings cannot be used (agentConfigProblem), or null. */
  configProblem: string | null;
  /** Builds the run's dependencies; `clock` is the server clock unless the caller passed `now`. */
  makeDeps: (clock: () => Date, budgetMs: number | undefined) => ProcessorDeps;
  serverClock: () => Date;
}

/** A clock that starts at `now` and advances with real time, so delays and timeouts still elapse. */
export function shiftedClock(now: Date, serverClock: () => Date): () => Date {
  const offset = now.getTime() - serverClock().getTime();
  return () => new Date(serverClock().getTime() + offset);
}

/** POST by the dispatcher through pg_net (a shard's pairs), or by queue-leads for immediate items, with the service role key. */
export async function handleQueueProcessor(request: Request, deps: ProcessorHandlerDeps): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  if (request.method !== 'POST') return errorResponse(405, 'method_not_allowed', 'Use POST');
  const token = bearerToken(request);
  if (!token) return errorResponse(401, 'unauthorized', 'The service role key is required');
  if (token !== deps.serviceRoleKey) return errorResponse(403, 'forbidden', 'Only the service role may run the processor');

  const body = await readJson(request);
  if (!body.ok) return errorResponse(400, 'invalid_input', body.message);
  const parsed = processorInput.safeParse(body.value ?? {});
  if (!parsed.success) return errorResponse(400, 'invalid_input', describeIssues(parsed.error));

  // Nothing is claimed with a configuration that would strand every item it claims (unsigned or unsignable sends).
  if (deps.configProblem) return errorResponse(503, 'config_error', `Nothing was sent: ${deps.configProblem}`);

  const clock = parsed.data.now ? shiftedClock(new Date(parsed.data.now), deps.serverClock) : deps.serverClock;
  try {
    const summary = await runProcessor(deps.makeDeps(clock, parsed.data.budgetMs), {
      userId: parsed.data.userId,
      pairs: parsed.data.pairs,
      dispatchedAt: parsed.data.dispatchedAt ? new Date(parsed.data.dispatchedAt) : undefined,
    });
    return jsonResponse(summary);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error('queue-processor: run failed', message);
    return errorResponse(500, 'processor_failed', message);
  }
}
