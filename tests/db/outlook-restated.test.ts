import { describe, expect, it } from 'vitest';
import { withDatabase } from '../support/db.ts';

const db = withDatabase();

/**
 * private.pairs_outlook (20261204100200) restates these functions' bodies and the settings' read policy in its inputs
 * statement, for speed: a function call a pair cost more than the check. A change to any of them does not reach the
 * outlook by itself. When this fails, restate the change in pairs_outlook (a new migration), then record the new
 * fingerprint here.
 */
const RESTATED: Record<string, string> = {
  'private.pair_visible': 'd2059941580a8d87405c93617f5ef17e',
  'private.pair_pace': '398e65eae4fe2bee27bc85c8159b72de',
  'private.effective_pacing': 'e4694aa085d3c7f9dbc7003de3669209',
  'private.pair_used': 'e68ac614d6daeb0e0d2292abc8ed30e3',
  'private.send_bucket_units': '5c95a5783b9cff5e5b543a3fd7a7504b',
  'private.bucket_refill': '3ea63617e8a54041f45355f8b9a3e697',
  'private.local_day_bounds': '5f96c23f1609b24ee8e815cde8da7878',
  'private.pair_ranks': 'e393f6a1e934f1b37cae24c97e5c06ae',
  'policy user_queue_settings select': '92c0cd91804136fdc92c920d649dc358',
};

describe('what private.pairs_outlook restates', () => {
  it('is unchanged since it was restated', async () => {
    const { rows } = await db.pool.query<{ name: string; fingerprint: string }>(`
      select p.pronamespace::regnamespace || '.' || p.proname as name,
             md5(string_agg(p.prosrc || coalesce(p.proconfig::text, ''), '|' order by p.oid::regprocedure::text)) as fingerprint
        from pg_proc p
       where p.pronamespace = 'private'::regnamespace and p.proname = any ($1)
       group by p.pronamespace, p.proname
      union all
      select 'policy user_queue_settings select',
             md5(string_agg(coalesce(p.qual, '') || coalesce(p.with_check, ''), '|' order by p.policyname))
        from pg_policies p
       where p.schemaname = 'public' and p.tablename = 'user_queue_settings' and p.cmd in ('SELECT', 'ALL')`,
    [Object.keys(RESTATED).filter((name) => name.startsWith('private.')).map((name) => name.slice('private.'.length))]);
    expect(Object.fromEntries(rows.map((row) => [row.name, row.fingerprint]))).toEqual(RESTATED);
  });
});
