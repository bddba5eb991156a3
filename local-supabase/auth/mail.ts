import type pg from 'pg';
import type { AuthContext } from './context.ts';
import { AuthError } from './http.ts';
import { generateOtp, lastSent, storeToken, tokenHash, type TokenKind } from './otp.ts';

/** The mails GoTrue sends, with the CLI's default subjects, delivered to the local mailbox. */

export type MailKind = 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change' | 'reauthentication';

const SUBJECTS: Record<MailKind, string> = {
  signup: 'Confirm Your Signup',
  invite: 'You have been invited',
  magiclink: 'Your Magic Link',
  recovery: 'Reset Your Password',
  email_change: 'Confirm Email Change',
  reauthentication: 'Confirm reauthentication',
};

const ACTIONS: Record<MailKind, string> = {
  signup: 'Follow this link to confirm your user:',
  invite: 'You have been invited to create a user. Follow this link to accept the invite:',
  magiclink: 'Follow this link to login:',
  recovery: 'Follow this link to reset the password for your user:',
  email_change: 'Follow this link to confirm the update of your email:',
  reauthentication: 'Enter the code:',
};

const TOKEN_KINDS: Record<Exclude<MailKind, 'email_change'>, TokenKind> = {
  signup: 'confirmation',
  invite: 'confirmation',
  magiclink: 'recovery',
  recovery: 'recovery',
  reauthentication: 'reauthentication',
};

/** GoTrue's IsRedirectURLValid: the site's own origin, or a match of additional_redirect_urls (`*`, `**` globs). */
export function redirectTarget(context: AuthContext, requested: string | null | undefined): string {
  const site = context.config.auth.siteUrl;
  if (!requested) return site;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return site;
  }
  if (url.origin === new URL(site).origin) return requested;
  const allowed = context.config.auth.additionalRedirectUrls.some((pattern) => {
    const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('**', '\u0000').replaceAll('*', '[^./]*').replaceAll('\u0000', '.*');
    return new RegExp(`^${source}$`).test(requested);
  });
  return allowed ? requested : site;
}

export function actionLink(context: AuthContext, hash: string, type: string, redirectTo: string): string {
  const query = new URLSearchParams({ token: hash, type, redirect_to: redirectTo });
  return `${context.issuer()}/verify?${query.toString()}`;
}

/** GoTrue's per-user limit on mails of one kind ([auth.email] max_frequency). */
async function checkFrequency(context: AuthContext, db: Pick<pg.Pool, 'query'>, userId: string, kind: TokenKind): Promise<void> {
  const sent = await lastSent(db, userId, kind);
  const wait = context.config.auth.email.maxFrequencySeconds * 1000;
  if (sent && sent.getTime() + wait > context.now().getTime()) {
    const seconds = Math.ceil((sent.getTime() + wait - context.now().getTime()) / 1000);
    throw new AuthError(429, 'over_email_send_rate_limit', `For security purposes, you can only request this after ${seconds} seconds.`);
  }
}

export interface IssuedToken {
  otp: string;
  hash: string;
}

/** A fresh OTP for `address`, its hash stored in the user's column of this flow. */
export async function issueToken(context: AuthContext, userId: string, kind: TokenKind, address: string, limited = true): Promise<IssuedToken> {
  if (limited) await checkFrequency(context, context.pool, userId, kind);
  const otp = generateOtp(context.config.auth.email.otpLength);
  const hash = tokenHash(address, otp);
  await storeToken(context.pool, userId, kind, hash, context.now());
  return { otp, hash };
}

function deliver(context: AuthContext, to: string, kind: MailKind, otp: string, link: string | null): void {
  const escaped = link?.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  const html = [`<h2>${SUBJECTS[kind]}</h2>`, `<p>${ACTIONS[kind]}</p>`, link ? `<p><a href="${escaped}">${kind === 'invite' ? 'Accept the invite' : SUBJECTS[kind]}</a></p>` : '', `<p>Alternatively, enter the code: ${otp}</p>`].join('\n');
  const lines = [ACTIONS[kind], ...(link ? [link] : []), `Alternatively, enter the code: ${otp}`];
  context.mailbox.deliver({ to, subject: SUBJECTS[kind], kind, html, text: lines.join('\n\n') }, context.now());
}

/** Issues the token of a flow and mails its link and OTP to the user's address. */
export async function sendMail(context: AuthContext, userId: string, email: string, kind: Exclude<MailKind, 'email_change'>, redirectTo: string): Promise<void> {
  const { otp, hash } = await issueToken(context, userId, TOKEN_KINDS[kind], email);
  deliver(context, email, kind, otp, kind === 'reauthentication' ? null : actionLink(context, hash, kind, redirectTo));
}

/** The email change mails: to the new address, and (double confirmation) to the current one. */
export async function sendEmailChange(context: AuthContext, userId: string, current: string | null, next: string, redirectTo: string): Promise<void> {
  const toNew = await issueToken(context, userId, 'email_change_new', next);
  deliver(context, next, 'email_change', toNew.otp, actionLink(context, toNew.hash, 'email_change', redirectTo));
  if (context.config.auth.email.doubleConfirmChanges && current) {
    const toCurrent = await issueToken(context, userId, 'email_change_current', current, false);
    deliver(context, current, 'email_change', toCurrent.otp, actionLink(context, toCurrent.hash, 'email_change', redirectTo));
  }
}
