import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { as, sqlstate, withDatabase } from '../support/db.ts';
import { DEMO_CLIENT_ID, OTHER_CLIENT_ID, USERS, type SeedUser } from '../support/seed.ts';

const db = withDatabase();

type Row = { row: number; name?: string; phone?: string; email?: string; tags?: string[]; opted_out?: boolean; error?: string; value?: string };

async function start(chunks: number, actor: SeedUser = USERS.demoAdmin, clientId: string = DEMO_CLIENT_ID): Promise<string> {
  const id = randomUUID();
  await as(db.pool, actor, (c) => c.query('select start_lead_import($1, $2, $3, $4, $5)', [id, clientId, 'leads.csv', chunks * 10, chunks]), { commit: true });
  return id;
}

async function chunk(id: string, no: number, rows: Row[], actor: SeedUser = USERS.demoAdmin, pool: pg.Pool = db.pool) {
  return as(pool, actor, async (c) => (await c.query('select import_leads($1, $2, $3) r', [id, no, JSON.stringify(rows)])).rows[0].r, { commit: true });
}

async function report(id: string, actor: SeedUser = USERS.demoAdmin) {
  return as(db.pool, actor, async (c) => (await c.query('select lead_import_report($1) r', [id])).rows[0].r);
}

const lead = async (phone: string) =>
  (await db.pool.query('select name, email, tags, opted_out_at from leads where client_id = $1 and phone = $2', [DEMO_CLIENT_ID, phone])).rows;

describe('import_leads', () => {
  it('creates new leads, updates known phones, leaves identical rows unchanged and reports invalid rows by number', async () => {
    const id = await start(2);
    const first = await chunk(id, 0, [
      { row: 2, name: 'Noa Bar', phone: '+972501110001', email: 'noa@example.com', tags: ['vip'] },
      { row: 3, name: 'Gil Oz', phone: '+972501110002' },
      { row: 4, name: 'No Phone' },
      { row: 5, name: 'Bad', phone: '12345' },
      { row: 6, name: 'Unreadable', error: 'invalid_phone', value: '050-12' },
    ]);
    expect(first).toEqual({
      chunk_no: 0, created: 2, updated: 0, unchanged: 0, kept_opted_out: 0,
      invalid: [{ row: 4, reason: 'missing_phone' }, { row: 5, reason: 'invalid_phone', value: '12345' }, { row: 6, reason: 'invalid_phone', value: '050-12' }],
    });
    const second = await chunk(id, 1, [
      { row: 7, name: 'Noa Bar-Lev', phone: '+972501110001', tags: ['lead-2026', 'vip'] },
      { row: 8, name: 'Gil Oz', phone: '+972501110002' },
    ]);
    expect(second).toMatchObject({ created: 0, updated: 1, unchanged: 1, invalid: [] });
    // The email stays when the file leaves it empty; tags are added, never removed or reordered.
    expect(await lead('+972501110001')).toEqual([{ name: 'Noa Bar-Lev', email: 'noa@example.com', tags: ['vip', 'lead-2026'], opted_out_at: null }]);
    expect(await report(id)).toMatchObject({
      total_chunks: 2, chunks_done: 2, complete: true, created: 2, updated: 1, unchanged: 1, kept_opted_out: 0,
      invalid: [{ row: 4, reason: 'missing_phone' }, { row: 5, reason: 'invalid_phone', value: '12345' }, { row: 6, reason: 'invalid_phone', value: '050-12' }],
    });
  });

  it('a phone twice in one chunk creates once, then updates in file order', async () => {
    const id = await start(1);
    const result = await chunk(id, 0, [
      { row: 2, name: 'First', phone: '+972501110101' },
      { row: 3, name: 'Second', phone: '+972501110101', tags: ['b'] },
      { row: 4, name: 'Second', phone: '+972501110101', tags: ['b'] },
    ]);
    expect(result).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(await lead('+972501110101')).toEqual([{ name: 'Second', email: null, tags: ['b'], opted_out_at: null }]);
  });

  it('an opted-out lead stays opted out whatever the file says, and a file may opt a lead out', async () => {
    await db.pool.query("insert into leads (client_id, name, phone, opted_out_at) values ($1, 'Stopped', '+972501110201', now() - interval '1 day')", [DEMO_CLIENT_ID]);
    const id = await start(1);
    const result = await chunk(id, 0, [
      { row: 2, name: 'Stopped', phone: '+972501110201', opted_out: false },
      { row: 3, name: 'Stops now', phone: '+972501110202', opted_out: true },
    ]);
    expect(result).toMatchObject({ created: 1, unchanged: 1, kept_opted_out: 1 });
    expect((await lead('+972501110201'))[0].opted_out_at).not.toBeNull();
    expect((await lead('+972501110202'))[0].opted_out_at).not.toBeNull();
  });

  it('a retried chunk answers the recorded result and writes nothing twice, also when both arrive at once', async () => {
    const id = await start(1);
    const rows = [{ row: 2, name: 'Once', phone: '+972501110301' }, { row: 3, name: 'Twice', phone: '+972501110302' }];
    const pools = [new pg.Pool({ connectionString: db.url, max: 1 }), new pg.Pool({ connectionString: db.url, max: 1 })];
    try {
      const answers = await Promise.all(pools.map((pool) => chunk(id, 0, rows, USERS.demoAdmin, pool)));
      expect(answers.map((a) => a.created)).toEqual([2, 2]);
      expect(answers.filter((a) => a.replayed)).toHaveLength(1);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    expect(await chunk(id, 0, rows)).toMatchObject({ created: 2, replayed: true });
    const { rows: counted } = await db.pool.query("select count(*)::int n from leads where phone in ('+972501110301', '+972501110302')");
    expect(counted[0].n).toBe(2);
    expect(await report(id)).toMatchObject({ created: 2, chunks_done: 1, complete: true });
  });

  it('an import cut short still has its report, saying what is missing', async () => {
    const id = await start(3);
    await chunk(id, 0, [{ row: 2, name: 'Partial', phone: '+972501110401' }]);
    expect(await report(id)).toMatchObject({ total_chunks: 3, chunks_done: 1, complete: false, created: 1 });
  });

  it('only the client’s admins import into it or read its imports; a chunk outside the import is refused', async () => {
    expect(await sqlstate(start(1, USERS.demoManager))).toBe('42501');
    expect(await sqlstate(start(1, USERS.otherAdmin, DEMO_CLIENT_ID))).toBe('42501');
    const id = await start(1);
    expect(await sqlstate(chunk(id, 0, [{ row: 2, name: 'Intruder', phone: '+972501110501' }], USERS.otherAdmin))).toBe('LQ404');
    expect(await sqlstate(chunk(id, 1, []))).toBe('22023');
    expect(await report(id, USERS.otherAdmin)).toBeNull();
    expect(await report(id, USERS.demoManager)).toBeNull();
    const otherImport = await start(1, USERS.otherAdmin, OTHER_CLIENT_ID);
    expect(await chunk(otherImport, 0, [{ row: 2, name: 'Other’s', phone: '+972501110502' }], USERS.otherAdmin)).toMatchObject({ created: 1 });
    const { rows } = await db.pool.query("select client_id from leads where phone = '+972501110502'");
    expect(rows).toEqual([{ client_id: OTHER_CLIENT_ID }]);
  });

  it('stores a formula as the text it is', async () => {
    const id = await start(1);
    await chunk(id, 0, [{ row: 2, name: '=HYPERLINK("http://evil.example","click")', phone: '+972501110601' }]);
    expect((await lead('+972501110601'))[0].name).toBe('=HYPERLINK("http://evil.example","click")');
  });
});
