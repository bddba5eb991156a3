import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mapAuthorization } from '../../local-supabase/gateway.ts';
import { ANON_KEY, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from '../../local-supabase/keys.ts';
import { PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

const stack = withStack();

describe('gateway', () => {
  it('maps the apikey to a bearer token as the CLI\'s Kong does', () => {
    expect(mapAuthorization({ apikey: ANON_KEY })).toBe(`Bearer ${ANON_KEY}`);
    expect(mapAuthorization({ apikey: ANON_KEY, authorization: 'Bearer user-token' })).toBe('Bearer user-token');
    expect(mapAuthorization({ apikey: PUBLISHABLE_KEY })).toBe(`Bearer ${ANON_KEY}`);
    expect(mapAuthorization({ apikey: SECRET_KEY, authorization: `Bearer ${SECRET_KEY}` })).toBe(`Bearer ${SERVICE_ROLE_KEY}`);
    expect(mapAuthorization({ authorization: `Bearer ${PUBLISHABLE_KEY}` })).toBe(`Bearer ${ANON_KEY}`);
    expect(mapAuthorization({})).toBeUndefined();
  });

  it('accepts the new-format secret key as service role', async () => {
    const response = await fetch(`${stack.url}/auth/v1/admin/users`, { headers: { apikey: SECRET_KEY } });
    expect(response.status).toBe(200);
    const publishable = await fetch(`${stack.url}/auth/v1/admin/users`, { headers: { apikey: PUBLISHABLE_KEY } });
    expect(publishable.status).toBe(403);
  });

  it('answers CORS preflights and exposes Content-Range', async () => {
    const preflight = await fetch(`${stack.url}/rest/v1/leads?select=*`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'apikey, authorization, prefer' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('prefer');

    const login = await fetch(`${stack.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:5173', apikey: ANON_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ email: USERS.demoManager.email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(login.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(login.headers.get('access-control-expose-headers')).toContain('X-Supabase-Api-Version');
  });

  it('carries the signed-in user into Postgres, so RLS decides what /rest returns', async () => {
    const demo = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
    const other = await stack.signIn(USERS.otherAdmin.email, PASSWORD);
    const demoClients = await demo.from('clients').select('id');
    const otherClients = await other.from('clients').select('id');
    expect(demoClients.error).toBeNull();
    expect(demoClients.data).toEqual([{ id: USERS.demoAdmin.clientId }]);
    expect(otherClients.data).toEqual([{ id: USERS.otherAdmin.clientId }]);
    const anon = await stack.client().from('clients').select('id');
    expect(anon.data ?? []).toEqual([]);
    const service = await stack.client(stack.serviceRoleKey).from('clients').select('id');
    expect(service.data?.length).toBeGreaterThanOrEqual(2);
  });

  it('upgrades /realtime/v1/websocket for supabase-js and refuses other WebSocket paths', async () => {
    const client = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
    const status = await new Promise<string>((resolve) => {
      client
        .channel('gateway-smoke')
        .on('broadcast', { event: '*' }, () => {})
        .subscribe((state) => {
          if (state !== 'CLOSED') resolve(state);
        });
    });
    expect(status).toBe('SUBSCRIBED');
    await client.removeAllChannels();

    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${stack.url.replace('http', 'ws')}/nope/websocket`);
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => resolve(-1));
    });
    expect(refused).toBe(404);
  });

  it('signs in every seed user', async () => {
    for (const user of Object.values(USERS)) {
      const client = await stack.signIn(user.email, PASSWORD);
      const { data } = await client.auth.getUser();
      expect(data.user?.id).toBe(user.id);
    }
  });

  it('refuses bodies over 10 MB with 413 and answers /health and unknown routes', async () => {
    const big = await fetch(`${stack.url}/auth/v1/signup`, {
      method: 'POST',
      headers: { apikey: ANON_KEY, 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    const health = await fetch(`${stack.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const unknown = await fetch(`${stack.url}/storage/v1/bucket`);
    expect(unknown.status).toBe(404);
    const noFunctions = await fetch(`${stack.url}/functions/v1/queue-leads`, { method: 'POST', headers: { apikey: ANON_KEY } });
    expect(noFunctions.status).toBe(404);
  });
});
