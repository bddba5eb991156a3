import { serviceClient } from '../_shared/db.ts';
import { loadConfig } from '../_shared/env.ts';
import { handleAgentCallback } from './handler.ts';

const config = loadConfig((name) => Deno.env.get(name));
const service = serviceClient(config.supabase);

Deno.serve((request) => handleAgentCallback(request, { service, secret: config.agent.secret, clock: () => new Date() }));
