import { beforeEach, describe, expect, it } from 'vitest';
import { as, sqlstate, withDatabase } from '../support/db.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS, type SeedUser } from '../support/seed.ts';
import type { EnqueueRefusal, EnqueueResult } from '../../supabase/functions/_shared/schemas.ts';
import { createLeads } from '../support/queueItems.ts';
import { ALWAYS_OPEN, resetQueueState } from '../support/queueState.ts';

const db = withDatabase();
beforeEach(() => resetQueueState(db.pool, ALWAYS_OPEN));

interface Options {
  template?: string;
  variables?: unknown;
  includeRecent?: boolean;
}

function enqueue(leadIds: string[], options: Options = {}, actor: SeedUser = USERS.demoAdmin): Promise<EnqueueResult | EnqueueRefusal> {
  return as(
    db.pool,
    actor,
    async (c) =>
      (
        await c.query(
          `select enqueue_leads($1, message_template => $2, message_variables => $3::jsonb, include_recently_contacted => $4) r`,
          [leadIds, options.template ?? 'initial_outreach', JSON.stringify(options.variables ?? {}), options.includeRecent ?? false],
        )
      ).rows[0].r,
    { commit: true },
  );
}

async function contactedDaysAgo(leadIds: string[], days: number): Promise<void> {
  await db.pool.query('update leads set last_contacted_at = now() - make_interval(days => $2) where id = any($1)', [leadIds, days]);
}

describe('cool-down', () => {
  it('skips and counts leads contacted within cooldown_days; older and never-contacted leads are queued', async () => {
    const leads = await createLeads(db.pool, 5, DEMO_CLIENT_ID, 'cool');
    await contactedDaysAgo(leads.slice(0, 2), 3);
    await contactedDaysAgo(leads.slice(2, 3), 31);
    expect(await enqueue(leads)).toMatchObject({ queued: 3, skipped_recently_contacted: 2, cooldown_days: 30, skipped_duplicates: 0 });
  });

  it('include_recently_contacted queues them anyway', async () => {
    const leads = await createLeads(db.pool, 2, DEMO_CLIENT_ID, 'cool-include');
    await contactedDaysAgo(leads, 1);
    expect(await enqueue(leads, { includeRecent: true })).toMatchObject({ queued: 2, skipped_recently_contacted: 0 });
  });

  it('follows the admin’s own setting, and 0 turns it off', async () => {
    const leads = await createLeads(db.pool, 2, DEMO_CLIENT_ID, 'cool-setting');
    await contactedDaysAgo(leads.slice(0, 1), 5);
    await contactedDaysAgo(leads.slice(1), 10);
    await db.pool.query('update user_queue_settings set cooldown_days = 7 where user_id = $1', [USERS.demoAdmin.id]);
    expect(await enqueue(leads)).toMatchObject({ queued: 1, skipped_recently_contacted: 1, cooldown_days: 7 });
    await db.pool.query("update whatsapp_message_queue set status = 'cancelled' where status = 'pending'");
    await db.pool.query('update user_queue_settings set cooldown_days = 0 where user_id = $1', [USERS.demoAdmin.id]);
    expect(await enqueue(leads)).toMatchObject({ queued: 2, skipped_recently_contacted: 0 });
  });

  it('is bounded like the other settings and audited when changed', async () => {
    const update = (days: number) =>
      as(db.pool, USERS.demoAdmin, (c) => c.query('update user_queue_settings set cooldown_days = $1 where user_id = $2', [days, USERS.demoAdmin.id]), { commit: true });
    expect(await sqlstate(update(366))).toBe('23514');
    expect(await sqlstate(update(-1))).toBe('23514');
    await update(14);
    const { rows } = await db.pool.query(
      "select details -> 'changes' -> 'cooldown_days' as change from queue_audit_log where action = 'settings_changed' order by id desc limit 1");
    expect(rows[0].change).toEqual({ old: 30, new: 14 });
  });
});

describe('message templates in enqueue_leads', () => {
  it('queues a template of the client with exactly its variables', async () => {
    const leads = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'tpl-ok');
    const answer = await enqueue(leads, { template: 'event_invite', variables: { event_name: 'Open day', event_date: '2027-01-10' } });
    expect(answer).toMatchObject({ queued: 1 });
    const { rows } = await db.pool.query('select message_template, message_variables from whatsapp_message_queue where lead_id = $1', [leads[0]]);
    expect(rows[0]).toEqual({ message_template: 'event_invite', message_variables: { event_name: 'Open day', event_date: '2027-01-10' } });
  });

  it.each([
    ['an unknown template', { template: 'nope' }, 'Unknown message template "nope": pick one of this client\'s templates'],
    ['a missing variable', { template: 'event_invite', variables: { event_name: 'Open day' } }, 'Template "event_invite" needs these variables: event_date'],
    ['an unknown variable', { template: 'initial_outreach', variables: { coupon: 'X' } }, 'Template "initial_outreach" has no variables named: coupon'],
    ['an empty value', { template: 'event_invite', variables: { event_name: ' ', event_date: '2027-01-10' } }, 'Variables must be non-empty text: event_name'],
    ['a number for text', { template: 'event_invite', variables: { event_name: 'x', event_date: 5 } }, 'Variables must be non-empty text: event_date'],
    ['variables that are no object', { variables: ['a'] }, 'message_variables must be an object of variable names and their text'],
  ])('refuses %s with invalid_input, queues nothing and audits it', async (_name, options, message) => {
    const leads = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'tpl-bad');
    expect(await enqueue(leads, options)).toEqual({ code: 'invalid_input', message, details: null, hint: null });
    const { rows } = await db.pool.query('select count(*)::int n from whatsapp_message_queue where lead_id = $1', [leads[0]]);
    expect(rows[0].n).toBe(0);
    const audit = await db.pool.query("select details ->> 'message' m from queue_audit_log where action = 'queue_rejected' order by id desc limit 1");
    expect(audit.rows[0].m).toBe(message);
  });

  it('another client’s template is unknown here', async () => {
    await db.pool.query("insert into message_templates (client_id, name) values ($1, 'other_only')", [OTHER_CLIENT_ID]);
    const leads = await createLeads(db.pool, 1, DEMO_CLIENT_ID, 'tpl-foreign');
    expect(await enqueue(leads, { template: 'other_only' })).toMatchObject({ code: 'invalid_input' });
  });

  it('every client, also a new one, has initial_outreach', async () => {
    const { rows } = await db.pool.query("insert into clients (name) values ('Newcomer') returning id");
    const templates = await db.pool.query('select name, variables from message_templates where client_id = $1', [rows[0].id]);
    expect(templates.rows).toEqual([{ name: 'initial_outreach', variables: [] }]);
  });

  it('template variable names must be identifiers, none twice', async () => {
    const insert = (variables: string[]) =>
      sqlstate(db.pool.query("insert into message_templates (client_id, name, variables) values ($1, 'v' || md5(random()::text), $2)", [DEMO_CLIENT_ID, variables]));
    expect(await insert(['first_name', 'date2'])).toBeNull();
    expect(await insert(['a', 'a'])).toBe('23514');
    expect(await insert(['has space'])).toBe('23514');
    expect(await insert([''])).toBe('23514');
  });
});
