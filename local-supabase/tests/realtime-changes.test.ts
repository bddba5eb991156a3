import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ROLE_KEY } from '../index.ts';
import { withClonedDatabase } from '../testing/vitest.ts';
import { startRealtimeTestServer, type RealtimeTestServer } from '../testing/realtimeServer.ts';
import { userToken } from '../testing/tokens.ts';
import { watchChanges } from '../testing/watchChanges.ts';

const alice = randomUUID();
const bob = randomUUID();
const db = withClonedDatabase();
let server: RealtimeTestServer;

async function insertNote(owner: string, body: string, priority = 0): Promise<number> {
  const { rows } = await db.pool.query<{ id: string }>('insert into public.rt_notes (owner, body, priority) values ($1, $2, $3) returning id', [
    owner,
    body,
    priority,
  ]);
  return Number(rows[0]?.id);
}

beforeAll(async () => {
  server = await startRealtimeTestServer(db.url);
  // Created after the server started: the first join for it makes the feed pick it up.
  await db.pool.query(`
    create table public.rt_notes (
      id bigint generated always as identity primary key,
      owner uuid not null,
      body text not null,
      priority int not null default 0,
      tags text[] not null default '{}',
      meta jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    alter table public.rt_notes enable row level security;
    create policy rt_notes_select on public.rt_notes for select to authenticated using (owner = (select auth.uid()));
    alter publication supabase_realtime add table public.rt_notes;
  `);
});

afterAll(async () => {
  await server?.close();
});

describe.each(['2.0.0', '1.0.0'] as const)('postgres_changes over vsn %s', (vsn) => {
  it('delivers insert, update and delete to the row owner within a second', async () => {
    const client = await server.client({ token: await userToken(alice), vsn });
    const watch = await watchChanges(client, `owner-${vsn}`, [{ event: '*', table: 'rt_notes' }]);

    const started = performance.now();
    const id = await insertNote(alice, 'first', 3);
    await watch.waitFor((events) => events.length >= 1, 1000);
    await db.pool.query(`update public.rt_notes set body = 'second', tags = '{a,b}', meta = '{"k":1}' where id = $1`, [id]);
    await watch.waitFor((events) => events.length >= 2, 1000);
    await db.pool.query('delete from public.rt_notes where id = $1', [id]);
    await watch.waitFor((events) => events.length >= 3, 1000);
    expect(performance.now() - started).toBeLessThan(3000);

    const [insert, update, remove] = watch.events;
    expect(insert).toMatchObject({ eventType: 'INSERT', new: { id, owner: alice, body: 'first', priority: 3, tags: [] }, old: {} });
    expect(insert?.commit_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(update).toMatchObject({ eventType: 'UPDATE', new: { id, body: 'second', tags: ['a', 'b'], meta: { k: 1 } }, old: { id } });
    // Replica identity default: the old row carries its primary key only.
    expect(Object.keys(update?.old ?? {})).toEqual(['id']);
    expect(remove).toMatchObject({ eventType: 'DELETE', new: {}, old: { id } });
    await client.removeAllChannels();
  });
});

describe('row level security', () => {
  it('gives another user none of the owner’s rows, but every delete as its primary key (as Supabase)', async () => {
    const bobClient = await server.client({ token: await userToken(bob) });
    const watch = await watchChanges(bobClient, 'bob', [{ event: '*', table: 'rt_notes' }]);

    const aliceRow = await insertNote(alice, 'private to alice');
    await db.pool.query(`update public.rt_notes set body = 'still private' where id = $1`, [aliceRow]);
    await db.pool.query('delete from public.rt_notes where id = $1', [aliceRow]);
    // Deliveries keep commit order, so once Bob's own row arrives nothing earlier is still on its way.
    const sentinel = await insertNote(bob, 'bob sentinel');
    await watch.waitFor((events) => events.some((e) => e.new.id === sentinel));

    expect(watch.events.map((e) => e.eventType)).toEqual(['DELETE', 'INSERT']);
    expect(watch.events[0]?.old).toEqual({ id: aliceRow });
    expect(watch.events[1]?.new).toMatchObject({ id: sentinel, body: 'bob sentinel' });
    await bobClient.removeAllChannels();
  });

  it('delivers a row too large for NOTIFY in full', async () => {
    const client = await server.client({ token: await userToken(alice) });
    const watch = await watchChanges(client, 'large', [{ event: 'INSERT', table: 'rt_notes' }]);
    const body = 'ü'.repeat(6000);
    const id = await insertNote(alice, body);
    await watch.waitFor((events) => events.some((e) => e.new.id === id));
    expect(watch.events[0]?.new).toMatchObject({ id, owner: alice, body });
    await client.removeAllChannels();
  });

  it('lets service_role see every row', async () => {
    const admin = await server.client({ key: SERVICE_ROLE_KEY });
    const watch = await watchChanges(admin, 'service', [{ event: 'INSERT', table: 'rt_notes' }]);
    const a = await insertNote(alice, 'a');
    const b = await insertNote(bob, 'b');
    await watch.waitFor((events) => events.length >= 2);
    expect(watch.events.map((e) => e.new.id)).toEqual([a, b]);
    await admin.removeAllChannels();
  });

  it('applies a new access token to later deliveries', async () => {
    const client = await server.client({ token: await userToken(alice) });
    const watch = await watchChanges(client, 'switch', [{ event: 'INSERT', table: 'rt_notes' }]);
    const before = await insertNote(alice, 'seen as alice');
    await watch.waitFor((events) => events.length >= 1);

    await server.setToken(client, await userToken(bob));
    // Frames are handled in order: once this push is answered the token update has been applied.
    await watch.channel.track({ probe: true });
    const hiddenNow = await insertNote(alice, 'alice row after the switch');
    const visibleNow = await insertNote(bob, 'bob row after the switch');
    await watch.waitFor((events) => events.some((e) => e.new.id === visibleNow));

    expect(watch.events.map((e) => e.new.id)).toEqual([before, visibleNow]);
    expect(watch.events.map((e) => e.new.id)).not.toContain(hiddenNow);
    await client.removeAllChannels();
  });
});

describe('filters', () => {
  it('delivers only rows matching the binding’s filter (comma = and)', async () => {
    const client = await server.client({ key: SERVICE_ROLE_KEY });
    const watch = await watchChanges(client, 'filters', [
      { event: 'INSERT', table: 'rt_notes', filter: 'priority=gte.5' },
      { event: 'INSERT', table: 'rt_notes', filter: `body=in.(x,"y,z"),owner=eq.${alice}` },
      { event: 'INSERT', table: 'rt_notes', filter: 'priority=lt.1,body=neq.skip' },
      { event: 'INSERT', table: 'rt_notes' },
    ]);
    await insertNote(alice, 'x', 1); // binding 1 (in + eq)
    await insertNote(bob, 'x', 7); // binding 0 only: owner is not alice
    await insertNote(alice, 'y,z', 9); // bindings 0 and 1
    await insertNote(alice, 'skip', 0); // no filtered binding
    await insertNote(alice, 'zero', 0); // binding 2
    await watch.waitFor((events) => events.filter((e) => e.binding === 3).length >= 5);

    const bodiesFor = (binding: number) => watch.events.filter((e) => e.binding === binding).map((e) => e.new.body);
    expect(bodiesFor(0)).toEqual(['x', 'y,z']);
    expect(watch.events.filter((e) => e.binding === 0).map((e) => e.new.priority)).toEqual([7, 9]);
    expect(bodiesFor(1)).toEqual(['x', 'y,z']);
    expect(watch.events.filter((e) => e.binding === 1).map((e) => e.new.owner)).toEqual([alice, alice]);
    expect(bodiesFor(2)).toEqual(['zero']);
    await client.removeAllChannels();
  });

  it('fires an UPDATE-only binding for updates and not for inserts', async () => {
    const client = await server.client({ key: SERVICE_ROLE_KEY });
    const watch = await watchChanges(client, 'updates', [
      { event: 'UPDATE', table: 'rt_notes' },
      { event: 'DELETE', table: 'rt_notes' },
    ]);
    const id = await insertNote(alice, 'u');
    await db.pool.query(`update public.rt_notes set priority = 2 where id = $1`, [id]);
    await db.pool.query('delete from public.rt_notes where id = $1', [id]);
    await watch.waitFor((events) => events.length >= 2);
    expect(watch.events.map((e) => [e.binding, e.eventType])).toEqual([
      [0, 'UPDATE'],
      [1, 'DELETE'],
    ]);
    await client.removeAllChannels();
  });
});

describe('bindings', () => {
  it('follows every published table of a schema when the binding names no table', async () => {
    const client = await server.client({ key: SERVICE_ROLE_KEY });
    const watch = await watchChanges(client, 'schema-wide', [{ event: 'INSERT', schema: 'public' }]);
    const id = await insertNote(alice, 'schema-wide');
    await watch.waitFor((events) => events.some((e) => e.new.id === id));
    await client.removeAllChannels();
  });

  it('matches DELETE filters on the full old row under replica identity full, yet reveals only the key under RLS', async () => {
    await db.pool.query(`
      create table public.rt_full (id int primary key, owner uuid not null, body text);
      alter table public.rt_full replica identity full;
      alter table public.rt_full enable row level security;
      alter publication supabase_realtime add table public.rt_full;
      insert into public.rt_full values (1, '${alice}', 'alice'), (2, '${bob}', 'bob');
    `);
    const client = await server.client({ key: SERVICE_ROLE_KEY });
    const watch = await watchChanges(client, 'full', [
      { event: 'UPDATE', table: 'rt_full' },
      { event: 'DELETE', table: 'rt_full', filter: `owner=eq.${alice}` },
    ]);
    await db.pool.query(`update public.rt_full set body = 'alice 2' where id = 1`);
    await db.pool.query('delete from public.rt_full where id = 2');
    await db.pool.query('delete from public.rt_full where id = 1');
    await watch.waitFor((events) => events.length >= 2);

    expect(watch.events.map((e) => [e.eventType, e.old])).toEqual([
      ['UPDATE', { id: 1, owner: alice, body: 'alice' }],
      ['DELETE', { id: 1 }],
    ]);
    await client.removeAllChannels();
  });
});

describe('connection lifecycle', () => {
  it('reconnects and resubscribes after the server drops the socket', async () => {
    const client = await server.client({ token: await userToken(alice) });
    const watch = await watchChanges(client, 'reconnect', [{ event: 'INSERT', table: 'rt_notes' }]);
    server.realtime.dropConnections();
    await watch.waitForJoins(2, 15_000);
    const id = await insertNote(alice, 'after reconnect');
    await watch.waitFor((events) => events.some((e) => e.new.id === id), 1000);
    await client.removeAllChannels();
  });
});
