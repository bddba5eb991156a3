import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { startTestStack } from '../testing/stack.ts';
import { withTestStack } from '../testing/vitest.ts';

const CORS = `const cors = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type',
};`;

const FIXTURES: Record<string, string> = {
  echo: `${CORS}
Deno.serve(async (req) => {
  if (req.method === 'OPTIONS') return new Response('ok', { headers: cors });
  const url = new URL(req.url);
  const text = await req.text();
  return Response.json({
    method: req.method,
    path: url.pathname,
    search: url.search,
    body: text ? JSON.parse(text) : null,
    authorization: req.headers.get('authorization'),
    apikey: req.headers.get('apikey'),
    custom: req.headers.get('x-custom'),
    env: {
      url: Deno.env.get('SUPABASE_URL'),
      anon: Deno.env.get('SUPABASE_ANON_KEY'),
      service: Deno.env.get('SUPABASE_SERVICE_ROLE_KEY'),
      db: Deno.env.get('SUPABASE_DB_URL'),
      fromDotenv: Deno.env.get('FROM_DOTENV'),
      fromOptions: Deno.env.get('FROM_OPTIONS'),
    },
  }, { headers: cors });
});
`,
  'reject-capacity': `${CORS}
Deno.serve(() => Response.json(
  { error: { code: 'capacity_exceeded', message: 'Daily capacity exceeded (201/200)' } },
  { status: 422, headers: cors },
));
`,
  'public-hook': `Deno.serve(() => Response.json({ ok: true }));\n`,
  'boot-failure': `throw new Error('broken at import time');\n`,
};

const stack = withTestStack({
  functions: true,
  functionFiles: {
    ...Object.fromEntries(Object.entries(FIXTURES).map(([name, source]) => [`${name}/index.ts`, source])),
    '.env': 'FROM_DOTENV=dotenv value\nSUPABASE_URL=http://must-not-win\n',
  },
  verifyJwt: { 'public-hook': false },
  env: { FROM_OPTIONS: 'option value' },
});

describe('Edge Functions under real Deno, invoked with supabase-js', () => {
  it('invokes with a JSON body and hands the function the Supabase secrets', async () => {
    const { data, error } = await stack.client().functions.invoke('echo', { body: { leads: [1, 2] }, headers: { 'x-custom': 'yes' } });
    expect(error).toBeNull();
    expect(data).toMatchObject({
      method: 'POST',
      path: '/echo',
      body: { leads: [1, 2] },
      authorization: `Bearer ${stack.anonKey}`,
      apikey: stack.anonKey,
      custom: 'yes',
      env: {
        url: stack.url,
        anon: stack.anonKey,
        service: stack.serviceRoleKey,
        db: stack.databaseUrl,
        fromDotenv: 'dotenv value',
        fromOptions: 'option value',
      },
    });
  });

  it('passes the signed-in user\'s token through', async () => {
    const admin = stack.client(stack.serviceRoleKey).auth.admin;
    await admin.createUser({ email: 'fn@example.test', password: 'password-1', email_confirm: true });
    const user = await stack.signIn('fn@example.test', 'password-1');
    const token = (await user.auth.getSession()).data.session!.access_token;
    const { data } = await user.functions.invoke('echo/sub/path?x=1', { method: 'GET' });
    expect(data).toMatchObject({ method: 'GET', path: '/echo/sub/path', search: '?x=1', authorization: `Bearer ${token}` });
  });

  it('answers 401 without an Authorization header when verify_jwt is on', async () => {
    const response = await fetch(`${stack.url}/functions/v1/echo`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ msg: 'Error: Missing authorization header' });
  });

  it('answers 401 Invalid JWT for a forged token', async () => {
    const forged = `${stack.anonKey.slice(0, -4)}AAAA`;
    const raw = await fetch(`${stack.url}/functions/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${forged}` } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ msg: 'Invalid JWT' });

    const { error } = await stack.client(forged).functions.invoke('echo', { body: {} });
    expect(error).toBeInstanceOf(FunctionsHttpError);
    expect((error as FunctionsHttpError).context.status).toBe(401);
  });

  it('lets a verify_jwt = false function be called with no credentials', async () => {
    const response = await fetch(`${stack.url}/functions/v1/public-hook`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('forwards a CORS preflight to the function without checking the JWT', async () => {
    const response = await fetch(`${stack.url}/functions/v1/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('surfaces a non-2xx body through FunctionsHttpError.context', async () => {
    const { data, error } = await stack.client().functions.invoke('reject-capacity', { body: { lead_ids: [] } });
    expect(data).toBeNull();
    expect(error).toBeInstanceOf(FunctionsHttpError);
    const context = (error as FunctionsHttpError).context as Response;
    expect(context.status).toBe(422);
    expect(await context.json()).toEqual({ error: { code: 'capacity_exceeded', message: 'Daily capacity exceeded (201/200)' } });
  });

  it('answers 404 for an unknown function and 503 BOOT_ERROR for one that cannot start', async () => {
    const { error } = await stack.client().functions.invoke('no-such-function', { body: {} });
    expect((error as FunctionsHttpError).context.status).toBe(404);
    const underscored = await fetch(`${stack.url}/functions/v1/_shared`, { method: 'POST', headers: { authorization: `Bearer ${stack.anonKey}` } });
    expect(underscored.status).toBe(404);

    const broken = await fetch(`${stack.url}/functions/v1/boot-failure`, { method: 'POST', headers: { authorization: `Bearer ${stack.anonKey}` } });
    expect(broken.status).toBe(503);
    expect(await broken.json()).toMatchObject({ code: 'BOOT_ERROR' });
  });

  it('serves concurrent first calls from one Deno process and kills it on stop', async () => {
    const other = await startTestStack({ databaseUrl: stack.databaseUrl, functions: true, functionsRoot: stack.functionsRoot, realtime: false });
    const calls = await Promise.all([1, 2, 3].map(() => other.client().functions.invoke('echo', { body: {} })));
    expect(calls.every((call) => call.error === null)).toBe(true);
    const pids = other.gateway.functions!.pids();
    expect(pids).toHaveLength(1);
    await other.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });

  it('starts every function up front with eagerFunctions', async () => {
    const eagerRoot = await mkdtemp(path.join(os.tmpdir(), 'lq-functions-eager-'));
    await mkdir(path.join(eagerRoot, 'public-hook'));
    await writeFile(path.join(eagerRoot, 'public-hook', 'index.ts'), FIXTURES['public-hook']!);
    const eager = await startTestStack({ databaseUrl: stack.databaseUrl, functions: true, functionsRoot: eagerRoot, eagerFunctions: true, realtime: false });
    try {
      expect(eager.gateway.functions!.pids()).toHaveLength(1);
    } finally {
      await eager.stop();
      await rm(eagerRoot, { recursive: true, force: true });
    }
  });
});
