import { AuthWeakPasswordError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { startTestStack } from '../testing/stack.ts';
import { withTestStack } from '../testing/vitest.ts';

const stack = withTestStack({ realtime: false });
const PASSWORD = 'correct-horse-battery';

function admin() {
  return stack.service.auth.admin;
}

async function adminFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.url}/auth/v1${path}`, {
    ...init,
    headers: { apikey: stack.serviceRoleKey, 'x-supabase-api-version': '2024-01-01', 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
}

describe('GoTrue sign-in rules (auth 1, 2)', () => {
  it('refuses a password sign-in for a user an admin created without email_confirm (400 email_not_confirmed)', async () => {
    const { data, error } = await admin().createUser({ email: 'unconfirmed@example.test', password: PASSWORD });
    expect(error).toBeNull();
    expect(data.user?.email_confirmed_at).toBeUndefined();
    const signIn = await stack.client().auth.signInWithPassword({ email: 'unconfirmed@example.test', password: PASSWORD });
    expect(signIn.data.session).toBeNull();
    expect(signIn.error).toMatchObject({ status: 400, code: 'email_not_confirmed', message: 'Email not confirmed' });
    // A wrong password still says only "invalid credentials": the confirmation is checked after the password.
    const wrong = await stack.client().auth.signInWithPassword({ email: 'unconfirmed@example.test', password: 'not-the-password' });
    expect(wrong.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
    await admin().updateUserById(data.user!.id, { email_confirm: true });
    expect((await stack.client().auth.signInWithPassword({ email: 'unconfirmed@example.test', password: PASSWORD })).error).toBeNull();
  });

  it('ends a banned user: live tokens answer 403 user_banned, refreshes and sign-ins 400 user_banned, until unbanned', async () => {
    const { data: created } = await admin().createUser({ email: 'banned@example.test', password: PASSWORD, email_confirm: true });
    const client = await stack.signIn('banned@example.test', PASSWORD);
    const session = (await client.auth.getSession()).data.session!;
    expect((await admin().updateUserById(created.user!.id, { ban_duration: '24h' })).error).toBeNull();

    const me = await stack.client().auth.getUser(session.access_token);
    expect(me.error).toMatchObject({ status: 403, code: 'user_banned', message: 'User is banned' });
    const refresh = await stack.client().auth.refreshSession({ refresh_token: session.refresh_token });
    expect(refresh.error).toMatchObject({ status: 400, code: 'user_banned', message: 'Invalid Refresh Token: User Banned' });
    const signIn = await stack.client().auth.signInWithPassword({ email: 'banned@example.test', password: PASSWORD });
    expect(signIn.error).toMatchObject({ status: 400, code: 'user_banned', message: 'User is banned' });

    await admin().updateUserById(created.user!.id, { ban_duration: 'none' });
    expect((await stack.client().auth.getUser(session.access_token)).data.user?.id).toBe(created.user!.id);
    expect((await stack.client().auth.refreshSession({ refresh_token: session.refresh_token })).error).toBeNull();
  });
});

describe('GoTrue admin list (auth 3)', () => {
  it('lists newest first, filters by address or full name, and refuses a negative page', async () => {
    for (const [email, name] of [['list-a@example.test', 'Alma'], ['list-b@example.test', 'Boris'], ['list-c@example.test', 'Celia']] as const) {
      await admin().createUser({ email, password: PASSWORD, email_confirm: true, user_metadata: { full_name: name } });
    }
    const { data } = await admin().listUsers({ page: 1, perPage: 3 });
    expect(data.users.map((user) => user.email)).toEqual(['list-c@example.test', 'list-b@example.test', 'list-a@example.test']);

    const byEmail = await adminFetch('/admin/users?filter=list-b');
    expect(((await byEmail.json()) as { users: Array<{ email: string }> }).users.map((user) => user.email)).toEqual(['list-b@example.test']);
    const byName = await adminFetch('/admin/users?filter=celi');
    expect(((await byName.json()) as { users: Array<{ email: string }> }).users.map((user) => user.email)).toEqual(['list-c@example.test']);
    const oldestFirst = await adminFetch('/admin/users?filter=list-&sort=created_at%20asc');
    expect(((await oldestFirst.json()) as { users: Array<{ email: string }> }).users[0]?.email).toBe('list-a@example.test');

    const negative = await adminFetch('/admin/users?page=-1');
    expect(negative.status).toBe(400);
    expect(await negative.json()).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('Bad Pagination Parameters') as unknown });
  });
});

describe('GoTrue validation (auth 4)', () => {
  it('names the reasons of a weak password, and applies no strength rule to an administrator', async () => {
    const weak = await stack.client().auth.signUp({ email: 'weak@example.test', password: '123' });
    expect(weak.error).toBeInstanceOf(AuthWeakPasswordError);
    expect(weak.error).toMatchObject({ status: 422, code: 'weak_password', message: 'Password should be at least 6 characters.' });
    expect((weak.error as AuthWeakPasswordError).reasons).toEqual(['length']);
    const byAdmin = await admin().createUser({ email: 'short@example.test', password: '1', email_confirm: true });
    expect(byAdmin.error).toBeNull();
    expect((await stack.client().auth.signInWithPassword({ email: 'short@example.test', password: '1' })).error).toBeNull();
  });

  it('refuses a password change to the same password (422 same_password)', async () => {
    await admin().createUser({ email: 'same@example.test', password: PASSWORD, email_confirm: true });
    const client = await stack.signIn('same@example.test', PASSWORD);
    const { error } = await client.auth.updateUser({ password: PASSWORD });
    expect(error).toMatchObject({ status: 422, code: 'same_password', message: 'New password should be different from the old password.' });
  });

  it.each(['ada@example..test', 'ada smith@example.test', 'ädä@example.test', 'ada@-example.test', `${'a'.repeat(250)}@example.test`])(
    'refuses the address %s with 400 validation_failed, as GoTrue checks it',
    async (email) => {
      const signUp = await stack.client().auth.signUp({ email, password: PASSWORD });
      expect(signUp.error).toMatchObject({ status: 400, code: 'validation_failed' });
      const created = await admin().createUser({ email, password: PASSWORD });
      expect(created.error).toMatchObject({ status: 400, code: 'validation_failed' });
    },
  );

  it('stores the signup data as user_metadata, adding nothing of its own', async () => {
    const { data, error } = await stack.client().auth.signUp({ email: 'meta@example.test', password: PASSWORD, options: { data: { lang: 'he' } } });
    expect(error).toBeNull();
    expect(data.user?.user_metadata).toEqual({ lang: 'he' });
    expect(data.user?.identities?.[0]?.identity_data).toMatchObject({ email: 'meta@example.test', email_verified: true });
  });
});

describe('GoTrue anonymous sign-ins and grant errors (auth 5)', () => {
  it('answers 422 anonymous_provider_disabled while enable_anonymous_sign_ins is off', async () => {
    const { data, error } = await stack.client().auth.signInAnonymously();
    expect(data.session).toBeNull();
    expect(error).toMatchObject({ status: 422, code: 'anonymous_provider_disabled', message: 'Anonymous sign-ins are disabled' });
  });

  it('signs in anonymously when enabled: an authenticated, anonymous user the database knows by id', async () => {
    const open = await startTestStack({ databaseUrl: stack.databaseUrl, realtime: false, auth: { enableAnonymousSignIns: true } });
    try {
      const client = open.client();
      const { data, error } = await client.auth.signInAnonymously({ options: { data: { theme: 'dark' } } });
      expect(error).toBeNull();
      expect(data.user).toMatchObject({ is_anonymous: true, role: 'authenticated', email: '', user_metadata: { theme: 'dark' }, app_metadata: { provider: 'anonymous' } });
      const claims = claimsOf(data.session!.access_token);
      expect(claims).toMatchObject({ role: 'authenticated', is_anonymous: true, sub: data.user!.id });
      expect((claims.amr as Array<{ method: string }>)[0]?.method).toBe('anonymous');
      const note = await client.from('rf_notes').insert({ body: 'from a guest' }).select('owner').single();
      expect(note.data).toEqual({ owner: data.user!.id });
      const settings = await (await fetch(`${open.url}/auth/v1/settings`, { headers: { apikey: open.anonKey } })).json();
      expect(settings).toMatchObject({ external: { anonymous_users: true } });
    } finally {
      await open.stop();
    }
  });

  it("answers GoTrue's codes for an unknown grant type and a malformed refresh token", async () => {
    const grant = await fetch(`${stack.url}/auth/v1/token?grant_type=magic`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
      body: '{}',
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toEqual({ code: 'invalid_credentials', message: 'unsupported_grant_type' });
    for (const token of ['short', 'NOT-LOWERCASE', 'a'.repeat(40)]) {
      const malformed = await stack.client().auth.refreshSession({ refresh_token: token });
      expect(malformed.error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Refresh token is not valid' });
    }
  });
});
