import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import Papa from 'papaparse';
import { readSheet } from 'read-excel-file/node';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { chunk, ImportReader } from '../../src/lib/leadImport.ts';
import { sendChunks } from '../../src/lib/importChunks.ts';
import { csvRow } from '../../src/lib/csv.ts';
import { createLeads, insertItems } from '../support/queueItems.ts';
import { DEMO_CLIENT_ID, OTHER_ADMIN_ID, OTHER_CLIENT_ID, PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

const stack = withStack();
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const FIXTURE_PHONES = ['+972501234567', '+972501234568', '+972501234569', '+972527654321', '+972541111111'];

async function parse(name: string) {
  const reader = new ImportReader('IL');
  const table = name.endsWith('.xlsx')
    ? await readSheet(fixture(name).pathname)
    : Papa.parse<string[]>(readFileSync(fixture(name), 'utf8'), { skipEmptyLines: false }).data;
  for (const cells of table) reader.push(cells);
  return reader.result();
}

/** The SPA's import, step for step, through supabase-js: start, one call per chunk (two at a time), then the report. */
async function importFile(client: SupabaseClient, name: string, rowsPerChunk = 3) {
  const parsed = await parse(name);
  const chunks = chunk(parsed.rows, rowsPerChunk);
  const importId = randomUUID();
  const started = await client.rpc('start_lead_import', {
    import_id: importId, client_id: DEMO_CLIENT_ID, file_name: name, total_rows: parsed.totalRows, total_chunks: chunks.length, blank_rows: parsed.blankRows,
  });
  expect(started.error).toBeNull();
  // Two chunks in flight, as the SPA sends them: Dana's rows 2 and 6 are in chunks 0 and 1, so chunk 1 waits for chunk 0.
  const run = await sendChunks(chunks, async (index, rows) => {
    const { error } = await client.rpc('import_leads', { import_id: importId, chunk_no: index, rows });
    if (error) throw new Error(error.message);
  });
  expect(run).toEqual({ done: chunks.length, failure: null });
  const { data, error } = await client.rpc('lead_import_report', { import_id: importId });
  expect(error).toBeNull();
  return data;
}

const INVALID = [
  { row: 8, reason: 'missing_phone' },
  { row: 9, reason: 'invalid_phone', value: '12345' },
  { row: 10, reason: 'invalid_email', value: 'not-an-email' },
];

let admin: SupabaseClient;
beforeAll(async () => {
  admin = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
});
afterEach(async () => {
  await stack.pool.query('delete from public.leads where client_id = $1 and phone = any($2)', [DEMO_CLIENT_ID, FIXTURE_PHONES]);
});

describe('lead import through the real stack', () => {
  it.each(['leads-en.csv', 'leads-he.csv', 'leads-he.xlsx'])('%s gives the exact report; the same file again updates, never duplicates', async (name) => {
    expect(await importFile(admin, name)).toMatchObject({
      file_name: name, total_rows: 9, blank_rows: 1, total_chunks: 3, chunks_done: 3, complete: true,
      created: 4, updated: 1, unchanged: 0, kept_opted_out: 0, invalid: INVALID,
    });
    const { rows } = await stack.pool.query('select name, tags from public.leads where client_id = $1 and phone = any($2) order by phone', [DEMO_CLIENT_ID, FIXTURE_PHONES]);
    expect(rows).toEqual([
      { name: 'דנה כהן-לוי', tags: ['vip', 'חדש'] },
      { name: 'Yossi Levi', tags: [] },
      { name: 'אבי מזרחי', tags: ['vip', '2026'] },
      { name: '=HYPERLINK("http://evil.example","click")', tags: [] },
    ]);
    // Row 2 renames Dana back, row 6 renames her again; the others are as the file says already.
    expect(await importFile(admin, name)).toMatchObject({ created: 0, updated: 2, unchanged: 3, invalid: INVALID });
    const count = await stack.pool.query('select count(*)::int n from public.leads where client_id = $1 and phone = any($2)', [DEMO_CLIENT_ID, FIXTURE_PHONES]);
    expect(count.rows[0].n).toBe(4);
  });

  it('a chunk whose response was dropped is retried and answers the stored result: no lead twice', async () => {
    let drop = true;
    // The request reaches the server and commits; the connection dies before the answer arrives.
    const droppingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (drop && String(input).includes('/rpc/import_leads')) {
        drop = false;
        await response.arrayBuffer();
        throw new TypeError('fetch failed: socket hang up');
      }
      return response;
    };
    const flaky = createClient(stack.url, stack.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      global: { fetch: droppingFetch },
      realtime: { transport: WebSocket as never },
    });
    expect((await flaky.auth.signInWithPassword({ email: USERS.demoAdmin.email, password: PASSWORD })).error).toBeNull();
    const parsed = await parse('leads-en.csv');
    const importId = randomUUID();
    await flaky.rpc('start_lead_import', { import_id: importId, client_id: DEMO_CLIENT_ID, file_name: 'leads-en.csv', total_rows: 9, total_chunks: 1, blank_rows: 1 });
    const lost = await flaky.rpc('import_leads', { import_id: importId, chunk_no: 0, rows: parsed.rows });
    expect(lost.error?.message).toMatch(/fetch failed/);
    const retried = await flaky.rpc('import_leads', { import_id: importId, chunk_no: 0, rows: parsed.rows });
    expect(retried.data).toMatchObject({ created: 4, updated: 1, replayed: true });
    const count = await stack.pool.query('select count(*)::int n from public.leads where client_id = $1 and phone = any($2)', [DEMO_CLIENT_ID, FIXTURE_PHONES]);
    expect(count.rows[0].n).toBe(4);
    expect((await flaky.rpc('lead_import_report', { import_id: importId })).data).toMatchObject({ created: 4, updated: 1, complete: true });
  });
});

describe('export through the SPA service: RLS decides what is in the file', () => {
  it('pages by (created_at, id) past 1,000 rows, a manager gets their client only, a formula is escaped', async () => {
    const [formulaLead] = await createLeads(stack.pool, 1, DEMO_CLIENT_ID, 'export-formula');
    await stack.pool.query(`update public.leads set name = '=HYPERLINK("http://evil.example","click")' where id = $1`, [formulaLead]);
    const demoLeads = await createLeads(stack.pool, 2499, DEMO_CLIENT_ID, 'export-demo');
    const otherLeads = await createLeads(stack.pool, 3, OTHER_CLIENT_ID, 'export-other');
    // One insert each: every demo item has the same created_at, so only the id tells pages apart.
    await insertItems(stack.pool, [formulaLead!, ...demoLeads], { status: 'sent' });
    await insertItems(stack.pool, otherLeads, { status: 'sent' }, OTHER_ADMIN_ID);

    // Node 20 has no WebSocket of its own; the app's client creates its realtime side eagerly.
    vi.stubGlobal('WebSocket', WebSocket);
    vi.stubEnv('VITE_SUPABASE_URL', stack.url);
    vi.stubEnv('VITE_SUPABASE_ANON_KEY', stack.anonKey);
    const { supabase } = await import('../../src/integrations/supabase/client.ts');
    const { exportQueueFile, EXPORT_HEADER } = await import('../../src/services/leads/exportService.ts');
    const exportAs = async (email: string, clientId: string) => {
      expect((await supabase.auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
      const pages: number[] = [];
      const { file, rows: total } = await exportQueueFile(
        { clientId, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString(), status: 'sent' },
        (sofar) => pages.push(sofar),
      );
      await supabase.auth.signOut();
      // Blob.text() decodes as UTF-8 and so drops the BOM: look at the bytes.
      expect([...new Uint8Array(await file.slice(0, 3).arrayBuffer())]).toEqual([0xef, 0xbb, 0xbf]);
      const text = await file.text();
      const [header, ...rows] = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
      expect(header).toEqual(EXPORT_HEADER);
      expect(rows).toHaveLength(total);
      return { rows, pages, total, text };
    };

    const manager = await exportAs(USERS.demoManager.email, DEMO_CLIENT_ID);
    expect(manager.pages).toEqual([1000, 2000, 2500]);
    expect(manager.total).toBe(2500);
    expect(new Set(manager.rows.map((row) => row[0])).size).toBe(2500);
    const demoPhones = new Set((await stack.pool.query('select phone from public.leads where client_id = $1', [DEMO_CLIENT_ID])).rows.map((row) => `'${row.phone}`));
    expect(manager.rows.every((row) => demoPhones.has(row[2]!))).toBe(true);
    // The database defuses the formula as src/lib/csv.ts does: a leading apostrophe, quotes doubled inside quotes.
    expect(manager.rows.find((row) => row[1]!.startsWith("'="))?.[1]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(manager.text).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",`);
    expect(csvRow(['=HYPERLINK("http://evil.example","click")'])).toBe(`"'=HYPERLINK(""http://evil.example"",""click"")"\r\n`);

    // Another client's id in the filter changes nothing: RLS shows a manager no item of it.
    expect((await exportAs(USERS.demoManager.email, OTHER_CLIENT_ID)).total).toBe(0);
    const otherAdmin = await exportAs(USERS.otherAdmin.email, OTHER_CLIENT_ID);
    expect(otherAdmin.rows.map((row) => row[2]).sort()).toEqual(
      (await stack.pool.query('select phone from public.leads where id = any($1) order by phone', [otherLeads])).rows.map((row) => `'${row.phone}`),
    );
    expect((await exportAs(USERS.otherAdmin.email, DEMO_CLIENT_ID)).total).toBe(0);
  });
});
