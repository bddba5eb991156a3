import { serviceClient, userClient } from '../_shared/db.ts';
import { loadConfig } from '../_shared/env.ts';
import { runInBackground } from '../_shared/runtime.ts';
import { handleQueueLeads } from './handler.ts';

const config = loadConfig((name) => Deno.env.get(name));
const service = serviceClient(config.supabase);

/** Immediate items: start a processor run for this admin without making the caller wait for it. */
function triggerProcessor(userId: string): Promise<void> {
  const run = fetch(`${config.supabase.url}/functions/v1/queue-processor`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${config.supabase.serviceRoleKey}`,
      apikey: config.supabase.serviceRoleKey,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ userId }),
  }).then((response) => response.body?.cancel());
  runInBackground(run);
  return Promise.resolve();
}

Deno.serve((request) =>
  handleQueueLeads(request, {
    userClient: (authorization) => userClient(config.supabase, authorization),
    service,
    triggerProcessor,
  }),
);
