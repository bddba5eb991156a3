import type { Queryable } from './queueItems.ts';
import { DEMO_CLIENT_ID } from './seed.ts';

/**
 * `count` new admins of a client (superuser): auth users plus memberships, whose trigger gives each a settings row;
 * their processing is set running with the window open at every hour. Returns their ids.
 */
export async function createRunningAdmins(db: Queryable, count: number, clientId = DEMO_CLIENT_ID, prefix = 'admin'): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (id, email) select gen_random_uuid(), $2 || '-' || n || '-' || gen_random_uuid() || '@test.test'
       from generate_series(1, $1) n returning id`,
    [count, prefix],
  );
  const ids = rows.map((row) => row.id);
  await db.query(`insert into public.client_members (client_id, user_id, role) select $1, u, 'admin' from unnest($2::uuid[]) u`, [clientId, ids]);
  await db.query(
    `update public.user_queue_settings
        set processing_state = 'running', holiday_calendar = 'none',
            business_hours = (select jsonb_object_agg(d, '{"enabled": true, "start": "00:00", "end": "24:00"}'::jsonb)
                                from unnest(array['sunday','monday','tuesday','wednesday','thursday','friday','saturday']) d)
      where client_id = $1 and user_id = any($2)`,
    [clientId, ids],
  );
  return ids;
}
