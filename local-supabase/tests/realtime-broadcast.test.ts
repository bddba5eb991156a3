import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeTestServer, type RealtimeTestServer } from '../testing/realtimeServer.ts';
import { userToken } from '../testing/tokens.ts';
import { withClonedDatabase } from '../testing/vitest.ts';
import { refusedJoin, watchBroadcasts } from '../testing/watchBroadcasts.ts';

// Rooms: members may listen to a room's topic, senders may also broadcast on it (policies as an app writes them).
const FIXTURE_SQL = `
  create table public.rt_room_members (room text not null, user_id uuid not null, can_send boolean not null default false,
                                       primary key (room, user_id));
  grant select on public.rt_room_members to authenticated;
  create policy "room members listen" on realtime.messages for select to authenticated
    using (exists (select 1 from public.rt_room_members m where m.room = (select realtime.topic()) and m.user_id = (select auth.uid())));
  create policy "room senders broadcast" on realtime.messages for insert to authenticated
    with check (realtime.messages.extension = 'broadcast'
                and exists (select 1 from public.rt_room_members m
                             where m.room = (select realtime.topic()) and m.user_id = (select auth.uid()) and m.can_send));
`;

const db = withClonedDatabase();
let server: RealtimeTestServer;

beforeAll(async () => {
  await db.pool.query(FIXTURE_SQL);
  server = await startRealtimeTestServer(db.url);
});

afterAll(async () => {
  await server?.close();
});

/** A fresh room with one member per entry (true: may send), each with a signed-in client. */
async function room(members: boolean[]): Promise<{ topic: string; users: string[]; clients: SupabaseClient[] }> {
  const topic = `room:${randomUUID()}`;
  const users = members.map(() => randomUUID());
  for (const [i, user] of users.entries()) {
    await db.pool.query('insert into public.rt_room_members (room, user_id, can_send) values ($1, $2, $3)', [topic, user, members[i]]);
  }
  const clients = await Promise.all(users.map(async (user) => server.client({ token: await userToken(user) })));
  return { topic, users, clients };
}

const send = (topic: string, event: string, payload: unknown, isPrivate = true) =>
  db.pool.query('select realtime.send($1::jsonb, $2, $3, $4)', [JSON.stringify(payload), event, topic, isPrivate]);

describe('Broadcast from the database', () => {
  it('delivers realtime.send to a member’s private channel as supabase-js expects it: event, payload with its id, meta.id', async () => {
    const { topic, clients } = await room([false]);
    const watch = await watchBroadcasts(clients[0]!, topic);
    await send(topic, 'moved', { item: 7 });
    await watch.waitFor((messages) => messages.length === 1);
    const [message] = watch.messages;
    const { rows } = await db.pool.query<{ id: string }>('select id from realtime.messages where topic = $1', [topic]);
    expect(message).toMatchObject({ event: 'moved', payload: { item: 7, id: rows[0]?.id }, messageId: rows[0]?.id });
  });

  it('refuses a private join the realtime.messages policies deny, with Supabase’s reason', async () => {
    const { topic } = await room([false]);
    const stranger = await server.client({ token: await userToken(randomUUID()) });
    const error = await refusedJoin(stranger, topic);
    expect(error.message).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`);
    const anonymous = await server.client();
    expect((await refusedJoin(anonymous, topic)).message).toMatch(/^Unauthorized: /);
  });

  it('keeps private and public apart: each message reaches only channels of its kind', async () => {
    const { topic, clients } = await room([false]);
    const privateWatch = await watchBroadcasts(clients[0]!, topic);
    const publicWatch = await watchBroadcasts(await server.client(), topic, { private: false });
    await send(topic, 'secret', { n: 1 });
    await send(topic, 'open', { n: 2 }, false);
    await send(topic, 'secret', { n: 3 });
    await privateWatch.waitFor((messages) => messages.length === 2);
    await publicWatch.waitFor((messages) => messages.length === 1);
    await server.realtime.idle();
    expect(privateWatch.messages.map((m) => m.payload.n)).toEqual([1, 3]);
    expect(publicWatch.messages.map((m) => m.payload.n)).toEqual([2]);
  });

  it('delivers in commit order, and nothing of a rolled-back send', async () => {
    const { topic, clients } = await room([false]);
    const watch = await watchBroadcasts(clients[0]!, topic);
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select realtime.send('{"n": 1}', 'step', $1)`, [topic]);
      await client.query('rollback');
      await client.query('begin');
      for (let n = 2; n <= 4; n++) await client.query(`select realtime.send(jsonb_build_object('n', $2::int), 'step', $1)`, [topic, n]);
      await client.query('commit');
    } finally {
      client.release();
    }
    await send(topic, 'step', { n: 5 });
    await watch.waitFor((messages) => messages.length === 4);
    expect(watch.messages.map((m) => m.payload.n)).toEqual([2, 3, 4, 5]);
  });

  it('delivers a message too large for NOTIFY in full', async () => {
    const { topic, clients } = await room([false]);
    const watch = await watchBroadcasts(clients[0]!, topic);
    const text = 'x'.repeat(20_000);
    await send(topic, 'big', { text });
    await watch.waitFor((messages) => messages.length === 1);
    expect(watch.messages[0]?.payload.text).toBe(text);
  });

  it('closes a private channel when a refreshed token may no longer read the topic, and refuses it again', async () => {
    const { topic, users, clients } = await room([false]);
    const member = clients[0]!;
    const watch = await watchBroadcasts(member, topic);
    await db.pool.query('delete from public.rt_room_members where room = $1', [topic]);
    await server.setToken(member, await userToken(users[0]!, 'refreshed@example.test'));
    await watch.waitForStatus('CLOSED');
    expect(watch.system).toContainEqual({ status: 'error', message: `You no longer have permission to read from this Channel topic: ${topic}` });
    await send(topic, 'after', { n: 1 });
    await server.realtime.idle();
    expect(watch.messages).toEqual([]);
    expect((await refusedJoin(member, topic)).message).toMatch(/^Unauthorized: /);
  });
});

describe('Broadcast between clients', () => {
  it('relays a public channel’s broadcast to the others, and to the sender only when it asked for its own', async () => {
    const topic = `lobby:${randomUUID()}`;
    const [a, b] = [await server.client(), await server.client()];
    const sender = await watchBroadcasts(a, topic, { private: false, ack: true });
    const listener = await watchBroadcasts(b, topic, { private: false });
    expect(await sender.channel.send({ type: 'broadcast', event: 'hello', payload: { from: 'a' } })).toBe('ok');
    await listener.waitFor((messages) => messages.length === 1);
    expect(listener.messages[0]).toMatchObject({ event: 'hello', payload: { from: 'a' } });
    expect(sender.messages).toEqual([]);

    const echo = await watchBroadcasts(await server.client(), `${topic}:echo`, { private: false, self: true });
    await echo.channel.send({ type: 'broadcast', event: 'me', payload: { n: 1 } });
    await echo.waitFor((messages) => messages.length === 1);
  });

  it('relays a private broadcast only when the insert policy lets the sender write, to members who may read', async () => {
    const { topic, clients } = await room([true, false, false]);
    const [senderClient, muteClient, listenerClient] = clients as [SupabaseClient, SupabaseClient, SupabaseClient];
    const sender = await watchBroadcasts(senderClient, topic, { ack: true });
    const mute = await watchBroadcasts(muteClient, topic, { ack: true });
    const listener = await watchBroadcasts(listenerClient, topic);
    expect(await mute.channel.send({ type: 'broadcast', event: 'denied', payload: {} }, { timeout: 500 })).toBe('timed out');
    expect(await sender.channel.send({ type: 'broadcast', event: 'allowed', payload: { n: 1 } })).toBe('ok');
    await listener.waitFor((messages) => messages.length === 1);
    await mute.waitFor((messages) => messages.length === 1);
    expect(listener.messages.map((m) => m.event)).toEqual(['allowed']);
  });
});
