import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../auth/mailbox.ts';
import { startTestStack, type TestStack } from '../testing/stack.ts';
import { withTestStack } from '../testing/vitest.ts';

// The stack's clock runs ahead by this much (OTP expiry); real time otherwise.
let clockOffsetMs = 0;
const stack = withTestStack({ realtime: false, mailCatcher: true, now: () => new Date(Date.now() + clockOffsetMs) });
const PASSWORD = 'correct-horse-battery';
const APP = 'http://127.0.0.1:3000/welcome';

const nextMail = (to: string, subject: string) => stack.gateway.mailbox.next(to, (message) => message.subject === subject);

function link(message: MailMessage): string {
  const match = /(http:\/\/\S+\/auth\/v1\/verify\?\S+)/.exec(message.text);
  if (!match?.[1]) throw new Error(`no link in: ${message.text}`);
  return match[1];
}

function code(message: MailMessage): string {
  const match = /code: (\d{6})/.exec(message.text);
  if (!match?.[1]) throw new Error(`no code in: ${message.text}`);
  return match[1];
}

/** Follows a mailed link as a browser would: GET /verify answers 303 to the app, the session in the fragment. */
async function follow(url: string): Promise<{ location: URL; fragment: URLSearchParams }> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location') ?? '');
  return { location, fragment: new URLSearchParams(location.hash.slice(1)) };
}

async function confirmedUser(email: string): Promise<string> {
  const { data, error } = await stack.service.auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
  if (error) throw error;
  return data.user!.id;
}

describe('password recovery by mail (auth 6)', () => {
  it('mails a reset link that signs the user in at the app, where the new password is set', async () => {
    await confirmedUser('reset@example.test');
    const { error } = await stack.client().auth.resetPasswordForEmail('reset@example.test', { redirectTo: APP });
    expect(error).toBeNull();
    const mail = await nextMail('reset@example.test', 'Reset Your Password');
    const { location, fragment } = await follow(link(mail));
    expect(`${location.origin}${location.pathname}`).toBe(APP);
    expect(fragment.get('type')).toBe('recovery');

    const client = stack.client();
    await client.auth.setSession({ access_token: fragment.get('access_token')!, refresh_token: fragment.get('refresh_token')! });
    expect((await client.auth.updateUser({ password: 'a-brand-new-password' })).error).toBeNull();
    await expect(stack.signIn('reset@example.test', 'a-brand-new-password')).resolves.toBeTruthy();
    // The link is used up: a second visit comes back with GoTrue's error in the fragment.
    const again = await follow(link(mail));
    expect(Object.fromEntries(again.fragment)).toMatchObject({ error: 'access_denied', error_code: 'otp_expired' });
  });

  it('verifies the mailed code instead of the link, answers an unknown address the same, and limits the mail rate', async () => {
    await confirmedUser('code@example.test');
    await stack.client().auth.resetPasswordForEmail('code@example.test');
    const mail = await nextMail('code@example.test', 'Reset Your Password');
    const tooSoon = await stack.client().auth.resetPasswordForEmail('code@example.test');
    expect(tooSoon.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    const { data, error } = await stack.client().auth.verifyOtp({ email: 'code@example.test', token: code(mail), type: 'recovery' });
    expect(error).toBeNull();
    expect(data.session?.user.email).toBe('code@example.test');
    const wrong = await stack.client().auth.verifyOtp({ email: 'code@example.test', token: '000000', type: 'recovery' });
    expect(wrong.error).toMatchObject({ status: 403, code: 'otp_expired', message: 'Token has expired or is invalid' });
    const unknown = await stack.client().auth.resetPasswordForEmail('nobody-here@example.test');
    expect(unknown.error).toBeNull();
    expect(stack.gateway.mailbox.messages('nobody-here@example.test')).toEqual([]);
  });

  it('refuses a code older than otp_expiry', async () => {
    await confirmedUser('late@example.test');
    await stack.client().auth.resetPasswordForEmail('late@example.test');
    const mail = await nextMail('late@example.test', 'Reset Your Password');
    clockOffsetMs += 3601_000;
    const late = await stack.client().auth.verifyOtp({ email: 'late@example.test', token: code(mail), type: 'recovery' });
    expect(late.error).toMatchObject({ status: 403, code: 'otp_expired' });
  });
});

describe('magic links and OTP sign-in (auth 6)', () => {
  it('mails a magic link and code to an existing user; the code signs in', async () => {
    const id = await confirmedUser('magic@example.test');
    expect((await stack.client().auth.signInWithOtp({ email: 'magic@example.test' })).error).toBeNull();
    const mail = await nextMail('magic@example.test', 'Your Magic Link');
    const { data, error } = await stack.client().auth.verifyOtp({ email: 'magic@example.test', token: code(mail), type: 'email' });
    expect(error).toBeNull();
    expect(data.user?.id).toBe(id);
  });

  it('signs a new address up (unless shouldCreateUser is false) and signs it in through the link', async () => {
    const refused = await stack.client().auth.signInWithOtp({ email: 'stranger@example.test', options: { shouldCreateUser: false } });
    expect(refused.error).toMatchObject({ status: 422, code: 'otp_disabled' });
    const created = await stack.client().auth.signInWithOtp({ email: 'newcomer@example.test', options: { data: { plan: 'free' }, emailRedirectTo: APP } });
    expect(created.error).toBeNull();
    const { fragment } = await follow(link(await nextMail('newcomer@example.test', 'Your Magic Link')));
    expect(fragment.get('type')).toBe('magiclink');
    const me = await stack.client().auth.getUser(fragment.get('access_token')!);
    expect(me.data.user).toMatchObject({ email: 'newcomer@example.test', user_metadata: { plan: 'free' } });
  });
});

describe('invitations and generated links (auth 6)', () => {
  it('invites by mail: the invitation link confirms the address and signs the user in', async () => {
    const invited = await stack.service.auth.admin.inviteUserByEmail('guest@example.test', { data: { team: 'red' }, redirectTo: APP });
    expect(invited.error).toBeNull();
    expect(invited.data.user).toMatchObject({ email: 'guest@example.test', user_metadata: { team: 'red' } });
    expect(invited.data.user?.invited_at).toBeTruthy();
    expect(invited.data.user?.email_confirmed_at).toBeUndefined();
    const { fragment } = await follow(link(await nextMail('guest@example.test', 'You have been invited')));
    expect(fragment.get('type')).toBe('invite');
    const me = await stack.client().auth.getUser(fragment.get('access_token')!);
    expect(me.data.user?.email_confirmed_at).toBeTruthy();
    const twice = await stack.service.auth.admin.inviteUserByEmail('guest@example.test');
    expect(twice.error).toMatchObject({ status: 422, code: 'email_exists' });
  });

  it('generates a link and code without sending mail, for the service role only', async () => {
    await confirmedUser('generated@example.test');
    const before = stack.gateway.mailbox.messages('generated@example.test').length;
    const { data, error } = await stack.service.auth.admin.generateLink({ type: 'magiclink', email: 'generated@example.test', options: { redirectTo: APP } });
    expect(error).toBeNull();
    expect(data.properties).toMatchObject({ verification_type: 'magiclink', redirect_to: APP, email_otp: expect.stringMatching(/^\d{6}$/) as unknown });
    expect(data.user?.email).toBe('generated@example.test');
    expect(stack.gateway.mailbox.messages('generated@example.test')).toHaveLength(before);
    const { location, fragment } = await follow(data.properties?.action_link ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(APP);
    expect(fragment.get('access_token')).toBeTruthy();
    const recovery = await stack.service.auth.admin.generateLink({ type: 'recovery', email: 'nobody-at-all@example.test' });
    expect(recovery.error).toMatchObject({ status: 404, code: 'user_not_found' });
    const denied = await stack.client().auth.admin.generateLink({ type: 'magiclink', email: 'generated@example.test' });
    expect(denied.error).toMatchObject({ status: 403, code: 'not_admin' });
  });
});

describe('reauthentication (auth 6)', () => {
  it('mails a code that a password change may carry as its nonce; a wrong nonce is refused', async () => {
    await confirmedUser('nonce@example.test');
    const client = await stack.signIn('nonce@example.test', PASSWORD);
    expect((await client.auth.reauthenticate()).error).toBeNull();
    const mail = await nextMail('nonce@example.test', 'Confirm reauthentication');
    const wrong = await client.auth.updateUser({ password: 'another-password', nonce: '123456' });
    expect(wrong.error).toMatchObject({ status: 400, code: 'reauthentication_not_valid' });
    expect((await client.auth.updateUser({ password: 'another-password', nonce: code(mail) })).error).toBeNull();
    await expect(stack.signIn('nonce@example.test', 'another-password')).resolves.toBeTruthy();
  });
});

describe('signup confirmation, resend and the mail catcher (auth 6)', () => {
  let confirming: TestStack;

  it('holds a new signup until its mailed link is followed, resends on request, and shows it all at the mail catcher', async () => {
    let ahead = 0;
    confirming = await startTestStack({
      databaseUrl: stack.databaseUrl,
      realtime: false,
      mailCatcher: true,
      auth: { enableConfirmations: true },
      now: () => new Date(Date.now() + ahead),
    });
    try {
      const signUp = await confirming.client().auth.signUp({ email: 'confirm@example.test', password: PASSWORD, options: { emailRedirectTo: APP } });
      expect(signUp.error).toBeNull();
      expect(signUp.data.session).toBeNull();
      expect(signUp.data.user?.email_confirmed_at).toBeUndefined();
      const held = await confirming.client().auth.signInWithPassword({ email: 'confirm@example.test', password: PASSWORD });
      expect(held.error).toMatchObject({ status: 400, code: 'email_not_confirmed' });

      const first = await confirming.gateway.mailbox.next('confirm@example.test', (message) => message.subject === 'Confirm Your Signup');
      ahead += 2000; // past [auth.email] max_frequency (1s), or the resend would be refused
      expect((await confirming.client().auth.resend({ type: 'signup', email: 'confirm@example.test' })).error).toBeNull();
      const second = await confirming.gateway.mailbox.next('confirm@example.test', (message) => message.subject === 'Confirm Your Signup' && message.id !== first.id);
      const stale = await follow(link(first));
      expect(stale.fragment.get('error_code')).toBe('otp_expired');
      const { fragment } = await follow(link(second));
      expect(fragment.get('type')).toBe('signup');
      expect((await confirming.client().auth.signInWithPassword({ email: 'confirm@example.test', password: PASSWORD })).error).toBeNull();

      const list = (await (await fetch(`${confirming.mailUrl}/api/v1/messages?query=to:confirm@example.test`)).json()) as { total: number; messages: Array<{ ID: string; Subject: string }> };
      expect(list.total).toBe(2);
      expect(list.messages.map((message) => message.Subject)).toEqual(['Confirm Your Signup', 'Confirm Your Signup']);
      const one = (await (await fetch(`${confirming.mailUrl}/api/v1/message/${list.messages[0]!.ID}`)).json()) as { Text: string; HTML: string };
      expect(one.Text).toContain('/auth/v1/verify?token=');
      expect(one.HTML).toContain('Confirm Your Signup');
      const page = await (await fetch(`${confirming.mailUrl}/`)).text();
      expect(page).toContain('confirm@example.test');
    } finally {
      await confirming.stop();
    }
  });
});
