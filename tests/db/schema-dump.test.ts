import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyBootstrap, applyMigrations, databaseUrl, migrationsDir, recreateDatabase } from '@leads-queue/local-supabase';
import { dumpDatabase, dumpSchema } from '../../scripts/schema-dump.ts';

const made: string[] = [];
let tempDir: string;

/** A database built as db:compare builds one: bootstrap, then the migrations in `dir`, no seed. */
async function migratedDatabase(name: string, dir = migrationsDir()): Promise<string> {
  const server = inject('localSupabaseCluster').serverUrl;
  await recreateDatabase(server, name);
  made.push(name);
  const url = databaseUrl(server, name);
  await applyBootstrap(url);
  await applyMigrations(url, dir);
  return url;
}

/** Lines only in `a`, and lines only in `b`, sorted. */
function difference(a: string, b: string): { removed: string[]; added: string[] } {
  const left = new Set(a.split('\n'));
  const right = new Set(b.split('\n'));
  return {
    removed: [...left].filter((line) => !right.has(line)).sort(),
    added: [...right].filter((line) => !left.has(line)).sort(),
  };
}

/** The dump of `url` after `change`, inside a transaction that is rolled back. */
async function dumpAfter(url: string, change: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(change);
    return await dumpSchema(client);
  } finally {
    await client.query('rollback');
    await client.end();
  }
}

let urlA: string;
let urlB: string;
let dumpA: string;
beforeAll(async () => {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'lq-dump-'));
  urlA = await migratedDatabase('lq_dump_a');
  urlB = await migratedDatabase('lq_dump_b');
  dumpA = await dumpDatabase(urlA);
});
afterAll(async () => {
  const admin = new pg.Client({ connectionString: inject('localSupabaseCluster').serverUrl });
  await admin.connect();
  for (const name of made) await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
  await admin.end();
  await rm(tempDir, { recursive: true, force: true });
});

describe('schema dump (scripts/schema-dump.ts)', () => {
  it('gives two databases built by the same migrations the same dump, with the objects and rows they made', async () => {
    expect(await dumpDatabase(urlB)).toBe(dumpA);
    expect(dumpA).toContain('CREATE OR REPLACE FUNCTION public.claim_queue_batch(');
    expect(dumpA).toContain('policy "signed-in users read holiday calendars" on public.calendar_closed_days: permissive for select to authenticated using true with check -');
    expect(dumpA).toContain("enum public.queue_priority owner=postgres: 'low', 'normal', 'high', 'immediate'");
    expect(dumpA).toContain('public.calendar_closed_days (IL,2025-10-02,"Yom Kippur",yom_tov)');
    expect(dumpA).not.toMatch(/schema_migrations \(/);
  });

  it('tells apart a database whose migrations grant one privilege more', async () => {
    const dir = path.join(tempDir, 'one-more-grant');
    await cp(migrationsDir(), dir, { recursive: true });
    await writeFile(path.join(dir, '20991231000000_one_more_grant.sql'), 'grant select on public.calendar_closed_days to anon;\n');
    const dumpC = await dumpDatabase(await migratedDatabase('lq_dump_c', dir));
    expect(difference(dumpA, dumpC)).toEqual({ removed: [], added: ['public.calendar_closed_days: anon SELECT by postgres'] });
  });

  it('tells apart one changed policy', async () => {
    const changed = await dumpAfter(urlB, `alter policy "signed-in users read holiday calendars" on public.calendar_closed_days using (calendar = 'IL')`);
    expect(difference(dumpA, changed)).toEqual({
      removed: ['policy "signed-in users read holiday calendars" on public.calendar_closed_days: permissive for select to authenticated using true with check -'],
      added: [`policy "signed-in users read holiday calendars" on public.calendar_closed_days: permissive for select to authenticated using calendar = 'IL'::text with check -`],
    });
  });

  it('tells apart a one-character change in a function body', async () => {
    const changed = await dumpAfter(urlB, `create or replace function private.metrics_shard() returns smallint language sql stable
      set search_path = '' as $$ select (pg_backend_pid() % 1025)::smallint $$`);
    expect(difference(dumpA, changed)).toEqual({
      removed: ['AS $function$ select (pg_backend_pid() % 1024)::smallint $function$'],
      added: ['AS $function$ select (pg_backend_pid() % 1025)::smallint $function$'],
    });
  });

  it('tells apart a revoked column grant, a comment, a function setting and a row the migrations wrote', async () => {
    const changed = await dumpAfter(urlB, `
      revoke update (email) on public.leads from authenticated;
      comment on function public.queue_status(uuid) is 'counts';
      alter function private.pair_ranks(uuid, uuid, uuid[], timestamptz, public.queue_priority, timestamptz, uuid) set enable_seqscan = on;
      update public.calendar_closed_days set name = 'Yom Kipur' where day = '2025-10-02'`);
    const { removed, added } = difference(dumpA, changed);
    // pair_ranks's setting (a line private.pairs_outlook has too since 20261204100200, so its removal alone shows no line).
    expect(removed).toEqual([
      'public.calendar_closed_days (IL,2025-10-02,"Yom Kippur",yom_tov)',
      'public.leads.email: authenticated UPDATE by postgres',
    ]);
    expect(added).toEqual([" SET enable_seqscan TO 'on'", 'function public.queue_status(uuid): counts',
      'public.calendar_closed_days (IL,2025-10-02,"Yom Kipur",yom_tov)']);
  });
});
