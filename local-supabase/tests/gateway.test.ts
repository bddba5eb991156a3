import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ANON_KEY, mapAuthorization, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from '../index.ts';
import { withTestStack } from '../testing/vitest.ts';

const stack = withTestStack();
const PASSWORD = 'gateway-password';

async function user(email: string) {
  const { data, error } = await stack.service.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
  if (error) throw error;
  return data.user;
}

describe('gateway', () => {
  it("maps the apikey to a bearer token as the CLI's Kong does", () => {
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
    const preflight = await fetch(`${stack.url}/rest/v1/rf_books?select=*`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'apikey, authorization, prefer' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('prefer');

    await user('cors@example.test');
    const login = await fetch(`${stack.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:5173', apikey: ANON_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cors@example.test', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(login.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(login.headers.get('access-control-expose-headers')).toContain('X-Supabase-Api-Version');
  });

  it('carries the signed-in user into Postgres, so RLS decides what /rest returns', async () => {
    const [ann, ben] = [await user('ann@example.test'), await user('ben@example.test')];
    const annClient = await stack.signIn('ann@example.test', PASSWORD);
    const benClient = await stack.signIn('ben@example.test', PASSWORD);
    expect((await annClient.from('rf_notes').insert({ body: 'ann only' })).error).toBeNull();
    expect((await benClient.from('rf_notes').insert({ body: 'ben only' })).error).toBeNull();
    expect((await annClient.from('rf_notes').select('owner, body')).data).toEqual([{ owner: ann.id, body: 'ann only' }]);
    expect((await benClient.from('rf_notes').select('owner, body')).data).toEqual([{ owner: ben.id, body: 'ben only' }]);
    const forged = await annClient.from('rf_notes').insert({ body: 'as ben', owner: ben.id });
    expect(forged.error?.code).toBe('42501');
    expect((await stack.anon.from('rf_notes').select('body')).data ?? []).toEqual([]);
    expect((await stack.service.from('rf_notes').select('body')).data).toHaveLength(2);
  });

  it('upgrades /realtime/v1/websocket for supabase-js and refuses other WebSocket paths', async () => {
    await stack.pool.query('alter publication supabase_realtime add table public.rf_log');
    const client = stack.client(SERVICE_ROLE_KEY);
    const status = await new Promise<string>((resolve) => {
      client
        .channel('gateway-smoke')
        .on('postgres_changes', { event: '*', schema: 'public', table: 'rf_log' }, () => {})
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
    const noFunctions = await fetch(`${stack.url}/functions/v1/anything`, { method: 'POST', headers: { apikey: ANON_KEY } });
    expect(noFunctions.status).toBe(404);
  });
});
