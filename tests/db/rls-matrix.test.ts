import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, withDatabase, type Actor } from '../support/db.ts';
import { DEMO_ADMIN_ID, DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID, USERS } from '../support/seed.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';

// Every table × every command × every kind of caller, each cell asserted:
// a number = allowed, affecting/seeing exactly that many rows; 'denied' = refused with 42501.
type Outcome = number | 'denied';
type ActorName = 'anon' | 'demoAdmin' | 'demoManager' | 'otherAdmin' | 'service_role';
const ACTORS: Record<ActorName, Actor> = {
  anon: 'anon',
  demoAdmin: USERS.demoAdmin,
  demoManager: USERS.demoManager,
  otherAdmin: USERS.otherAdmin,
  service_role: 'service_role',
};

const db = withDatabase();
const ids: Record<string, string> = {};
const counts: Record<string, number> = {};

beforeAll(async () => {
  const [demoLead, demoSpare] = await createLeads(db.pool, 2, DEMO_CLIENT_ID, 'rls-demo');
  const [otherLead, otherSpare] = await createLeads(db.pool, 2, OTHER_CLIENT_ID, 'rls-other');
  Object.assign(ids, { demoLead, demoSpare, otherLead, otherSpare });
  ids.demoItem = (await insertItems(db.pool, [demoLead!], {}, DEMO_ADMIN_ID))[0]!;
  ids.otherItem = (await insertItems(db.pool, [otherLead!], {}, OTHER_ADMIN_ID))[0]!;
  const q = async (sql: string) => Number((await db.pool.query(sql)).rows[0].n);
  counts.demoLeads = await q(`select count(*) n from leads where client_id = '${DEMO_CLIENT_ID}'`);
  counts.otherLeads = await q(`select count(*) n from leads where client_id = '${OTHER_CLIENT_ID}'`);
  counts.allLeads = counts.demoLeads + counts.otherLeads;
  counts.calendar = await q('select count(*) n from calendar_closed_days');
  counts.demoAudit = await q(`select count(*) n from queue_audit_log where client_id = '${DEMO_CLIENT_ID}'`);
  counts.otherAudit = await q(`select count(*) n from queue_audit_log where client_id = '${OTHER_CLIENT_ID}'`);
  counts.timeZones = await q('select count(*) n from private.supported_time_zones');
  counts.demoMetrics = await q(`select count(*) n from queue_performance_metrics where client_id = '${DEMO_CLIENT_ID}'`);
  counts.otherMetrics = await q(`select count(*) n from queue_performance_metrics where client_id = '${OTHER_CLIENT_ID}'`);
  counts.demoTemplates = await q(`select count(*) n from message_templates where client_id = '${DEMO_CLIENT_ID}'`);
  counts.otherTemplates = await q(`select count(*) n from message_templates where client_id = '${OTHER_CLIENT_ID}'`);
  ids.demoImport = randomUUID();
  ids.otherImport = randomUUID();
  await db.pool.query(
    `insert into lead_imports (id, client_id, user_id, file_name, total_rows, total_chunks) values ($1, $2, $3, 'a.csv', 20, 2), ($4, $5, $6, 'b.csv', 10, 1)`,
    [ids.demoImport, DEMO_CLIENT_ID, DEMO_ADMIN_ID, ids.otherImport, OTHER_CLIENT_ID, OTHER_ADMIN_ID],
  );
  await db.pool.query(
    'insert into lead_import_chunks (import_id, chunk_no, created, updated, unchanged, kept_opted_out) values ($1, 0, 1, 0, 0, 0), ($2, 0, 1, 0, 0, 0)',
    [ids.demoImport, ids.otherImport],
  );
  expect(counts.demoAudit).toBeGreaterThan(0);
  expect(counts.demoTemplates).toBeGreaterThan(0);
  expect(counts.demoMetrics).toBeGreaterThan(0);
});

interface Cell {
  sql: () => [string, unknown[]];
  outcomes: Record<ActorName, () => Outcome>;
}
type Command = 'select' | 'insert' | 'update' | 'delete';

const all = (outcome: Outcome, except: Partial<Record<ActorName, Outcome>> = {}) =>
  Object.fromEntries(
    (Object.keys(ACTORS) as ActorName[]).map((name) => [name, () => (name in except ? except[name]! : outcome)]),
  ) as Record<ActorName, () => Outcome>;
const dyn = (map: Record<ActorName, () => Outcome>) => map;

const MATRIX: Record<string, Record<Command, Cell>> = {
  clients: {
    select: { sql: () => ['select id from clients', []], outcomes: all(1, { anon: 'denied', service_role: 2 }) },
    insert: { sql: () => ["insert into clients (name) values ('Intruder')", []], outcomes: all('denied', { service_role: 1 }) },
    update: { sql: () => ["update clients set name = name || '' where id = $1", [DEMO_CLIENT_ID]], outcomes: all('denied', { service_role: 1 }) },
    delete: { sql: () => ['delete from clients where id = $1', [OTHER_CLIENT_ID]], outcomes: all('denied', { service_role: 1 }) },
  },
  client_members: {
    select: {
      sql: () => ['select user_id from client_members', []],
      outcomes: all(2, { anon: 'denied', otherAdmin: 1, service_role: 3 }),
    },
    insert: {
      sql: () => ["insert into client_members (client_id, user_id, role) values ($1, $2, 'admin')", [DEMO_CLIENT_ID, OTHER_ADMIN_ID]],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: {
      sql: () => ["update client_members set role = 'admin' where user_id = $1", [USERS.demoManager.id]],
      outcomes: all('denied', { service_role: 1 }),
    },
    delete: { sql: () => ['delete from client_members where user_id = $1', [DEMO_ADMIN_ID]], outcomes: all('denied', { service_role: 1 }) },
  },
  leads: {
    select: {
      sql: () => ['select id from leads', []],
      outcomes: dyn({
        anon: () => 'denied',
        demoAdmin: () => counts.demoLeads!,
        demoManager: () => counts.demoLeads!,
        otherAdmin: () => counts.otherLeads!,
        service_role: () => counts.allLeads!,
      }),
    },
    insert: {
      sql: () => ["insert into leads (client_id, name, phone) values ($1, 'New lead', '+972501234999')", [DEMO_CLIENT_ID]],
      outcomes: all('denied', { demoAdmin: 1, service_role: 1 }),
    },
    update: {
      sql: () => ["update leads set name = 'Renamed' where id = $1", [ids.demoSpare]],
      outcomes: all(0, { anon: 'denied', demoAdmin: 1, service_role: 1 }),
    },
    delete: {
      sql: () => ['delete from leads where id = $1', [ids.demoSpare]],
      outcomes: all(0, { anon: 'denied', demoAdmin: 1, service_role: 1 }),
    },
  },
  whatsapp_message_queue: {
    select: {
      sql: () => ['select id from whatsapp_message_queue', []],
      outcomes: all(1, { anon: 'denied', service_role: 2 }),
    },
    insert: {
      sql: () => [
        'insert into whatsapp_message_queue (lead_id, client_id, user_id) values ($1, $2, $3)',
        [ids.demoSpare, DEMO_CLIENT_ID, DEMO_ADMIN_ID],
      ],
      // One entrance: users queue through enqueue_leads only.
      outcomes: all('denied', { service_role: 1 }),
    },
    update: {
      sql: () => ["update whatsapp_message_queue set priority = 'high' where id = $1", [ids.demoItem]],
      outcomes: all(0, { anon: 'denied', demoAdmin: 1, service_role: 1 }),
    },
    delete: {
      sql: () => ['delete from whatsapp_message_queue where id = $1', [ids.demoItem]],
      outcomes: all('denied', { service_role: 1 }),
    },
  },
  user_queue_settings: {
    select: { sql: () => ['select user_id from user_queue_settings', []], outcomes: all(1, { anon: 'denied', service_role: 2 }) },
    insert: {
      sql: () => ['insert into user_queue_settings (user_id, client_id) values ($1, $2)', [USERS.demoManager.id, DEMO_CLIENT_ID]],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: {
      sql: () => ['update user_queue_settings set daily_target = 40 where user_id = $1', [DEMO_ADMIN_ID]],
      outcomes: all(0, { anon: 'denied', demoAdmin: 1, service_role: 1 }),
    },
    delete: { sql: () => ['delete from user_queue_settings where user_id = $1', [DEMO_ADMIN_ID]], outcomes: all('denied', { service_role: 1 }) },
  },
  // Kept by triggers; users read the counters of the items they may read.
  queue_status_counts: {
    select: { sql: () => ['select status from queue_status_counts', []], outcomes: all(1, { anon: 'denied', service_role: 2 }) },
    insert: {
      sql: () => ["insert into queue_status_counts (client_id, user_id, status, items) values ($1, $2, 'sent', 5)", [DEMO_CLIENT_ID, DEMO_ADMIN_ID]],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: { sql: () => ['update queue_status_counts set items = 99 where user_id = $1', [DEMO_ADMIN_ID]], outcomes: all('denied', { service_role: 1 }) },
    delete: { sql: () => ['delete from queue_status_counts where user_id = $1', [DEMO_ADMIN_ID]], outcomes: all('denied', { service_role: 1 }) },
  },
  queue_performance_metrics: {
    select: {
      sql: () => ['select hour from queue_performance_metrics', []],
      outcomes: dyn({
        anon: () => 'denied',
        demoAdmin: () => counts.demoMetrics!,
        demoManager: () => counts.demoMetrics!,
        otherAdmin: () => counts.otherMetrics!,
        service_role: () => counts.demoMetrics! + counts.otherMetrics!,
      }),
    },
    insert: {
      sql: () => [
        "insert into queue_performance_metrics (user_id, client_id, hour, sent) values ($1, $2, date_trunc('hour', now()) - interval '5 hours', 99)",
        [DEMO_ADMIN_ID, DEMO_CLIENT_ID],
      ],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: {
      sql: () => ['update queue_performance_metrics set sent = 999 where user_id = $1', [DEMO_ADMIN_ID]],
      outcomes: dyn({ ...all('denied'), service_role: () => counts.demoMetrics! }),
    },
    delete: {
      sql: () => ['delete from queue_performance_metrics where user_id = $1', [DEMO_ADMIN_ID]],
      outcomes: dyn({ ...all('denied'), service_role: () => counts.demoMetrics! }),
    },
  },
  queue_audit_log: {
    select: {
      sql: () => ['select id from queue_audit_log', []],
      outcomes: dyn({
        anon: () => 'denied',
        demoAdmin: () => counts.demoAudit!,
        demoManager: () => counts.demoAudit!,
        otherAdmin: () => counts.otherAudit!,
        service_role: () => counts.demoAudit! + counts.otherAudit!,
      }),
    },
    insert: {
      sql: () => ["insert into queue_audit_log (client_id, user_id, action) values ($1, $2, 'forged')", [DEMO_CLIENT_ID, DEMO_ADMIN_ID]],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: { sql: () => ["update queue_audit_log set action = 'rewritten'", []], outcomes: all('denied') },
    delete: { sql: () => ['delete from queue_audit_log', []], outcomes: all('denied') },
  },
  calendar_closed_days: {
    select: { sql: () => ['select day from calendar_closed_days', []], outcomes: dyn({ ...all(0), anon: () => 'denied', demoAdmin: () => counts.calendar!, demoManager: () => counts.calendar!, otherAdmin: () => counts.calendar!, service_role: () => counts.calendar! }) },
    insert: {
      sql: () => ["insert into calendar_closed_days (calendar, day, name, kind) values ('IL', '2099-01-01', 'Fake', 'yom_tov')", []],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: {
      sql: () => ["update calendar_closed_days set name = name where day = '2024-10-12'", []],
      outcomes: all('denied', { service_role: 1 }),
    },
    delete: { sql: () => ["delete from calendar_closed_days where day = '2024-10-12'", []], outcomes: all('denied', { service_role: 1 }) },
  },
  message_templates: {
    select: {
      sql: () => ['select id from message_templates', []],
      outcomes: dyn({
        anon: () => 'denied',
        demoAdmin: () => counts.demoTemplates!,
        demoManager: () => counts.demoTemplates!,
        otherAdmin: () => counts.otherTemplates!,
        service_role: () => counts.demoTemplates! + counts.otherTemplates!,
      }),
    },
    insert: {
      sql: () => ["insert into message_templates (client_id, name, variables) values ($1, 'matrix_template', '{first_name}')", [DEMO_CLIENT_ID]],
      outcomes: all('denied', { demoAdmin: 1, service_role: 1 }),
    },
    update: {
      sql: () => ["update message_templates set description = 'Edited' where client_id = $1 and name = 'initial_outreach'", [DEMO_CLIENT_ID]],
      outcomes: all(0, { anon: 'denied', demoAdmin: 1, service_role: 1 }),
    },
    delete: {
      sql: () => ["delete from message_templates where client_id = $1 and name = 'initial_outreach'", [DEMO_CLIENT_ID]],
      outcomes: all(0, { anon: 'denied', demoAdmin: 1, service_role: 1 }),
    },
  },
  // Imports: their admins' alone; written through start_lead_import / import_leads, never edited afterwards.
  lead_imports: {
    select: { sql: () => ['select id from lead_imports', []], outcomes: all(1, { anon: 'denied', demoManager: 0, service_role: 2 }) },
    insert: {
      sql: () => [
        "insert into lead_imports (id, client_id, user_id, file_name, total_rows, total_chunks) values (gen_random_uuid(), $1, $2, 'c.csv', 1, 1)",
        [DEMO_CLIENT_ID, DEMO_ADMIN_ID],
      ],
      outcomes: all('denied', { demoAdmin: 1, service_role: 1 }),
    },
    update: { sql: () => ["update lead_imports set file_name = 'renamed.csv'", []], outcomes: all('denied', { service_role: 2 }) },
    delete: { sql: () => ['delete from lead_imports', []], outcomes: all('denied', { service_role: 2 }) },
  },
  lead_import_chunks: {
    select: { sql: () => ['select chunk_no from lead_import_chunks', []], outcomes: all(1, { anon: 'denied', demoManager: 0, service_role: 2 }) },
    insert: {
      sql: () => [
        'insert into lead_import_chunks (import_id, chunk_no, created, updated, unchanged, kept_opted_out) values ($1, 1, 0, 0, 0, 0)',
        [ids.demoImport],
      ],
      outcomes: all('denied', { demoAdmin: 1, service_role: 1 }),
    },
    update: { sql: () => ['update lead_import_chunks set created = created + 1', []], outcomes: all('denied', { service_role: 2 }) },
    delete: { sql: () => ['delete from lead_import_chunks', []], outcomes: all('denied', { service_role: 2 }) },
  },
  // Internals in the unexposed private schema: the service role alone, and only what it needs.
  'private.supported_time_zones': {
    select: { sql: () => ['select name from private.supported_time_zones', []], outcomes: dyn({ ...all('denied'), service_role: () => counts.timeZones! }) },
    insert: { sql: () => ["insert into private.supported_time_zones (name) values ('Mars/Olympus')", []], outcomes: all('denied') },
    update: { sql: () => ["update private.supported_time_zones set name = name where name = 'UTC'", []], outcomes: all('denied') },
    delete: { sql: () => ["delete from private.supported_time_zones where name = 'UTC'", []], outcomes: all('denied') },
  },
  'private.queue_limits': {
    select: { sql: () => ['select operations_per_hour from private.queue_limits', []], outcomes: all('denied', { service_role: 1 }) },
    insert: { sql: () => ['insert into private.queue_limits (id) values (true)', []], outcomes: all('denied') },
    update: { sql: () => ['update private.queue_limits set operations_per_hour = operations_per_hour', []], outcomes: all('denied', { service_role: 1 }) },
    delete: { sql: () => ['delete from private.queue_limits', []], outcomes: all('denied') },
  },
  'private.processor_config': {
    select: { sql: () => ['select shard_size from private.processor_config', []], outcomes: all('denied', { service_role: 1 }) },
    insert: { sql: () => ['insert into private.processor_config (id) values (true)', []], outcomes: all('denied') },
    update: { sql: () => ['update private.processor_config set shard_size = shard_size', []], outcomes: all('denied', { service_role: 1 }) },
    delete: { sql: () => ['delete from private.processor_config', []], outcomes: all('denied') },
  },
  'private.agent_event_receipts': {
    select: { sql: () => ['select webhook_id from private.agent_event_receipts', []], outcomes: all('denied', { service_role: 0 }) },
    insert: {
      sql: () => ["insert into private.agent_event_receipts (webhook_id, event) values ('matrix-receipt', 'lead_replied')", []],
      outcomes: all('denied', { service_role: 1 }),
    },
    update: { sql: () => ["update private.agent_event_receipts set outcome = '{}'", []], outcomes: all('denied', { service_role: 0 }) },
    delete: { sql: () => ['delete from private.agent_event_receipts', []], outcomes: all('denied', { service_role: 0 }) },
  },
};

async function run(actor: Actor, sql: string, params: unknown[]): Promise<Outcome> {
  try {
    return await as(db.pool, actor, async (client) => (await client.query(sql, params)).rowCount ?? 0);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501') return 'denied';
    throw error;
  }
}

describe('RLS matrix: who may do what, enforced by Postgres', () => {
  for (const [table, commands] of Object.entries(MATRIX)) {
    for (const [command, cell] of Object.entries(commands)) {
      for (const actorName of Object.keys(ACTORS) as ActorName[]) {
        it(`${table} ${command} as ${actorName}`, async () => {
          const [sql, params] = cell.sql();
          const expected = cell.outcomes[actorName]();
          expect(await run(ACTORS[actorName], sql, params)).toBe(expected);
        });
      }
    }
  }

  it('covers every table of the public schema', async () => {
    const { rows } = await db.pool.query("select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1");
    expect(rows.map((row) => row.relname as string).filter((name) => !(name in MATRIX))).toEqual([]);
  });

  it('every table in public and private has RLS enabled', async () => {
    const { rows } = await db.pool.query(`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname in ('public', 'private') and not c.relrowsecurity`);
    expect(rows).toEqual([]);
  });
});
