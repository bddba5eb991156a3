import { AuthApiError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { signClaims } from '../index.ts';
import { withTestStack } from '../testing/vitest.ts';

// The stack's clock runs ahead by this much (refresh reuse interval); real time otherwise.
let clockOffsetMs = 0;
const stack = withTestStack({ now: () => new Date(Date.now() + clockOffsetMs) });
const PASSWORD = 'correct-horse-battery';

async function createUser(email: string, extra: Record<string, unknown> = {}) {
  const admin = stack.client(stack.serviceRoleKey);
  const { data, error } = await admin.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true, ...extra });
  if (error) throw error;
  return data.user;
}

async function authFetch(path: string, init: RequestInit & { token?: string } = {}) {
  return fetch(`${stack.url}/auth/v1${path}`, {
    ...init,
    headers: { apikey: stack.anonKey, authorization: `Bearer ${init.token ?? stack.anonKey}`, ...(init.headers ?? {}) },
  });
}

describe('auth through the gateway, driven by supabase-js', () => {
  it('signs in with a password and returns a Supabase-shaped session and token', async () => {
    const user = await createUser('ada@example.test', { user_metadata: { name: 'Ada' } });
    const client = stack.client();
    const { data, error } = await client.auth.signInWithPassword({ email: 'Ada@Example.test', password: PASSWORD });
    expect(error).toBeNull();
    const session = data.session!;
    expect(session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(session.expires_at).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(session.user).toMatchObject({
      id: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: 'ada@example.test',
      phone: '',
      is_anonymous: false,
      app_metadata: { provider: 'email', providers: ['email'] },
    });
    expect(session.user.user_metadata.name).toBe('Ada');
    expect(session.user.identities?.[0]).toMatchObject({ provider: 'email', user_id: user.id });

    const [header, payload] = session.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: `${stack.url}/auth/v1`,
      sub: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: 'ada@example.test',
      aal: 'aal1',
      is_anonymous: false,
      session_id: expect.any(String),
    });
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.amr[0].method).toBe('password');

    const { data: current } = await client.auth.getUser();
    expect(current.user?.id).toBe(user.id);
    // HS256 tokens: getClaims falls back to asking the server (GET /user).
    const { data: claims, error: claimsError } = await client.auth.getClaims();
    expect(claimsError).toBeNull();
    expect(claims?.claims.sub).toBe(user.id);
  });

  it('refuses a wrong password with 400 invalid_credentials', async () => {
    await createUser('bob@example.test');
    const { data, error } = await stack.client().auth.signInWithPassword({ email: 'bob@example.test', password: 'nope-nope' });
    expect(data.session).toBeNull();
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' });

    const unknown = await stack.client().auth.signInWithPassword({ email: 'nobody@example.test', password: PASSWORD });
    expect(unknown.error).toMatchObject({ status: 400, code: 'invalid_credentials' });

    const raw = await authFetch('/token?grant_type=password', {
      method: 'POST',
      headers: { 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify({ email: 'bob@example.test', password: 'x' }),
    });
    expect(raw.headers.get('x-supabase-api-version')).toBe('2024-01-01');
    expect(await raw.json()).toEqual({ code: 'invalid_credentials', message: 'Invalid login credentials' });
    // Without the version header GoTrue keeps its original error shape.
    const legacy = await authFetch('/token?grant_type=password', { method: 'POST', body: JSON.stringify({ email: 'bob@example.test', password: 'x' }) });
    expect(await legacy.json()).toEqual({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
  });

  it('rotates refresh tokens and refuses a used one once the reuse interval has passed', async () => {
    await createUser('carol@example.test');
    const client = stack.client();
    const { data } = await client.auth.signInWithPassword({ email: 'carol@example.test', password: PASSWORD });
    const t0 = data.session!.refresh_token;
    const { data: refreshed, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    const t1 = refreshed.session!.refresh_token;
    expect(t1).not.toBe(t0);
    expect(refreshed.session!.user.id).toBe(data.session!.user.id);

    // GoTrue: the parent of the active token gets the active token back (the client lost the answer).
    const lost = await stack.client().auth.refreshSession({ refresh_token: t0 });
    expect(lost.data.session?.refresh_token).toBe(t1);

    const t2 = (await stack.client().auth.refreshSession({ refresh_token: t1 })).data.session!.refresh_token;
    clockOffsetMs += 11_000;
    const reuse = await stack.client().auth.refreshSession({ refresh_token: t0 });
    expect(reuse.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
    // Reuse is treated as theft: the whole token family is revoked, the newest token included.
    clockOffsetMs += 11_000;
    const after = await stack.client().auth.refreshSession({ refresh_token: t2 });
    expect(after.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });

    const unknown = await stack.client().auth.refreshSession({ refresh_token: 'abcdefgh1234' });
    expect(unknown.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });

  it('rejects an expired access token on /rest (401 PGRST303) and /auth/v1/user (403 bad_jwt)', async () => {
    const user = await createUser('dave@example.test');
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = await signClaims({ sub: user.id, role: 'authenticated', aud: 'authenticated', iat: past, exp: past + 3600 });

    const rest = await fetch(`${stack.url}/rest/v1/some_table?select=*`, { headers: { apikey: stack.anonKey, authorization: `Bearer ${expired}` } });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await rest.json()).toMatchObject({ code: 'PGRST303', message: 'JWT expired' });

    const forged = await fetch(`${stack.url}/rest/v1/some_table?select=*`, {
      headers: { apikey: stack.anonKey, authorization: `Bearer ${stack.anonKey.slice(0, -3)}abc` },
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'PGRST301' });

    const me = await authFetch('/user', { token: expired, headers: { 'x-supabase-api-version': '2024-01-01' } });
    expect(me.status).toBe(403);
    expect(await me.json()).toMatchObject({ code: 'bad_jwt' });

    const client = stack.client();
    const { error } = await client.auth.getUser(expired);
    expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });

    const none = await fetch(`${stack.url}/auth/v1/user`, { headers: { 'x-supabase-api-version': '2024-01-01' } });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'no_authorization' });
  });

  it('signs out: the session ends and its refresh token stops working', async () => {
    await createUser('erin@example.test');
    const client = stack.client();
    const { data } = await client.auth.signInWithPassword({ email: 'erin@example.test', password: PASSWORD });
    const session = data.session!;
    const { error } = await client.auth.signOut();
    expect(error).toBeNull();
    expect((await client.auth.getSession()).data.session).toBeNull();

    const me = await authFetch('/user', { token: session.access_token, headers: { 'x-supabase-api-version': '2024-01-01' } });
    expect(me.status).toBe(403);
    expect(await me.json()).toMatchObject({ code: 'session_not_found' });
    const refresh = await stack.client().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(refresh.error).toMatchObject({ code: 'refresh_token_not_found' });
  });

  it('signs out other sessions only with scope "others"', async () => {
    await createUser('fay@example.test');
    const laptop = await stack.signIn('fay@example.test', PASSWORD);
    const phone = await stack.signIn('fay@example.test', PASSWORD);
    const phoneSession = (await phone.auth.getSession()).data.session!;
    await laptop.auth.signOut({ scope: 'others' });
    expect((await laptop.auth.getUser()).data.user?.email).toBe('fay@example.test');
    const stale = await stack.client().auth.refreshSession({ refresh_token: phoneSession.refresh_token });
    expect(stale.error?.code).toBe('refresh_token_not_found');
  });

  it('signs up a new user straight into a session (confirmations off) and refuses a duplicate', async () => {
    const client = stack.client();
    const { data, error } = await client.auth.signUp({ email: 'new@example.test', password: 'long-enough', options: { data: { lang: 'he' } } });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBeTruthy();
    expect(data.user).toMatchObject({ email: 'new@example.test', user_metadata: { lang: 'he' } });
    expect(data.user?.email_confirmed_at).toBeTruthy();

    const again = await stack.client().auth.signUp({ email: 'new@example.test', password: 'long-enough' });
    expect(again.error).toMatchObject({ status: 422, code: 'user_already_exists' });
    const weak = await stack.client().auth.signUp({ email: 'weak@example.test', password: '123' });
    expect(weak.error).toMatchObject({ status: 422, code: 'weak_password' });
  });

  it('updates the signed-in user (metadata and password)', async () => {
    await createUser('gil@example.test');
    const client = await stack.signIn('gil@example.test', PASSWORD);
    const { data, error } = await client.auth.updateUser({ data: { theme: 'dark' }, password: 'a-new-password' });
    expect(error).toBeNull();
    expect(data.user?.user_metadata.theme).toBe('dark');
    await expect(stack.signIn('gil@example.test', 'a-new-password')).resolves.toBeTruthy();
    await expect(stack.signIn('gil@example.test', PASSWORD)).rejects.toThrow('Invalid login credentials');
  });

  it('lets only the service role administer users', async () => {
    const admin = stack.client(stack.serviceRoleKey).auth.admin;
    const { data: created, error } = await admin.createUser({ email: 'hana@example.test', password: PASSWORD, email_confirm: true, app_metadata: { plan: 'pro' } });
    expect(error).toBeNull();
    expect(created.user).toMatchObject({ email: 'hana@example.test', app_metadata: { provider: 'email', plan: 'pro' } });

    const dup = await admin.createUser({ email: 'hana@example.test', password: PASSWORD });
    expect(dup.error).toMatchObject({ status: 422, code: 'email_exists' });

    const { data: list } = await admin.listUsers({ page: 1, perPage: 2 });
    expect(list.users).toHaveLength(2);
    expect('total' in list && list.total).toBeGreaterThanOrEqual(2);

    const fetched = await admin.getUserById(created.user!.id);
    expect(fetched.data.user?.email).toBe('hana@example.test');

    const user = await stack.signIn('hana@example.test', PASSWORD);
    const denied = await user.auth.admin.listUsers();
    expect(denied.error).toMatchObject({ status: 403, code: 'not_admin' });
    const anon = await stack.client().auth.admin.createUser({ email: 'x@example.test', password: PASSWORD });
    expect(anon.error).toMatchObject({ status: 403, code: 'not_admin' });

    expect((await admin.deleteUser(created.user!.id)).error).toBeNull();
    expect((await admin.getUserById(created.user!.id)).error).toMatchObject({ status: 404, code: 'user_not_found' });
  });

  it('reports a failing database write as GoTrue does (500 unexpected_failure) and leaves no half user', async () => {
    await stack.pool.query(`
      create function public.refuse_boom() returns trigger language plpgsql as $$
      begin
        if new.provider_id is not null and new.identity_data ->> 'email' = 'boom@example.test' then raise exception 'no'; end if;
        return new;
      end $$;
      create trigger refuse_boom before insert on auth.identities for each row execute function public.refuse_boom();`);
    const response = await fetch(`${stack.url}/auth/v1/admin/users`, {
      method: 'POST',
      headers: { apikey: stack.serviceRoleKey, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify({ email: 'boom@example.test', password: PASSWORD }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ code: 'unexpected_failure', message: 'Database error creating new user' });
    const { rows } = await stack.pool.query(`select 1 from auth.users where email = 'boom@example.test'`);
    expect(rows).toHaveLength(0);
  });
});
