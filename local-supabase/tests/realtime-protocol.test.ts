import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ANON_KEY, SERVICE_ROLE_KEY } from '../index.ts';
import { withClonedDatabase } from '../testing/vitest.ts';
import { startRealtimeTestServer, type RealtimeTestServer } from '../testing/realtimeServer.ts';
import { userToken } from '../testing/tokens.ts';

type Frame = { join_ref: string | null; ref: string | null; topic: string; event: string; payload: Record<string, unknown> };

const db = withClonedDatabase();
let server: RealtimeTestServer;
let quietServer: RealtimeTestServer;
/** Its clock runs an hour (less 300 ms) ahead: a fresh one-hour token expires 300 ms after joining. */
let lateServer: RealtimeTestServer;

/** A raw Phoenix client: the frames exactly as the wire carries them. */
async function connect(target: RealtimeTestServer, vsn: '1.0.0' | '2.0.0', apikey = ANON_KEY) {
  const ws = new WebSocket(`${target.wsUrl}?apikey=${encodeURIComponent(apikey)}&vsn=${vsn}`);
  const frames: Frame[] = [];
  const raw: unknown[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data)) as unknown;
    raw.push(parsed);
    if (Array.isArray(parsed)) {
      const [join_ref, ref, topic, event, payload] = parsed as [string | null, string | null, string, string, Record<string, unknown>];
      frames.push({ join_ref, ref, topic, event, payload });
    } else {
      frames.push(parsed as Frame);
    }
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const send = (frame: Frame) =>
    ws.send(JSON.stringify(vsn === '2.0.0' ? [frame.join_ref, frame.ref, frame.topic, frame.event, frame.payload] : frame));
  const next = (match: (frame: Frame) => boolean, timeoutMs = 3000) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const found = frames.find(match);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { ws, frames, raw, send, next, closed };
}

const joinConfig = (postgres_changes: unknown[]) => ({
  config: { broadcast: { ack: false, self: false }, presence: { key: '', enabled: false }, postgres_changes, private: false },
});

beforeAll(async () => {
  await db.pool.query(`
    create table public.rt_items (id bigint generated always as identity primary key, owner uuid, label text);
    alter table public.rt_items enable row level security;
    create policy rt_items_select on public.rt_items for select to authenticated using (owner = (select auth.uid()));
    alter publication supabase_realtime add table public.rt_items;
    create table public.rt_unpublished (id int primary key);
  `);
  server = await startRealtimeTestServer(db.url);
  quietServer = await startRealtimeTestServer(db.url, { idleTimeoutMs: 300 });
  lateServer = await startRealtimeTestServer(db.url, { now: () => new Date(Date.now() + 3_600_000 - 300) });
});

afterAll(async () => {
  await quietServer?.close();
  await lateServer?.close();
  await server?.close();
});

describe.each(['2.0.0', '1.0.0'] as const)('Phoenix frames, vsn %s', (vsn) => {
  it('answers a heartbeat on topic phoenix', async () => {
    const client = await connect(server, vsn);
    client.send({ join_ref: null, ref: '7', topic: 'phoenix', event: 'heartbeat', payload: {} });
    const frame = await client.next((f) => f.ref === '7');
    expect(frame).toEqual({ join_ref: null, ref: '7', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });
    if (vsn === '2.0.0') expect(client.raw[0]).toEqual([null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    else expect(client.raw[0]).toMatchObject({ topic: 'phoenix', event: 'phx_reply', ref: '7' });
    client.ws.close();
  });

  it('echoes the bindings in order with numeric ids, then confirms the subscription', async () => {
    const client = await connect(server, vsn);
    const bindings = [
      { event: '*', schema: 'public', table: 'rt_items', filter: 'id=gt.0' },
      { event: 'INSERT', schema: 'public', table: 'rt_items' },
    ];
    client.send({ join_ref: '6', ref: '6', topic: 'realtime:room1', event: 'phx_join', payload: { ...joinConfig(bindings), access_token: SERVICE_ROLE_KEY } });
    const reply = await client.next((f) => f.event === 'phx_reply' && f.ref === '6');
    expect(reply).toMatchObject({ join_ref: '6', topic: 'realtime:room1', payload: { status: 'ok' } });
    const echoed = (reply.payload.response as { postgres_changes: Record<string, unknown>[] }).postgres_changes;
    expect(echoed.map(({ id: _id, ...rest }) => rest)).toEqual(bindings);
    expect(echoed.every((b) => typeof b.id === 'number')).toBe(true);
    expect(new Set(echoed.map((b) => b.id)).size).toBe(2);
    const system = await client.next((f) => f.event === 'system');
    expect(system).toEqual({
      join_ref: '6',
      ref: null,
      topic: 'realtime:room1',
      event: 'system',
      payload: { message: 'Subscribed to PostgreSQL', status: 'ok', extension: 'postgres_changes', channel: 'room1' },
    });

    const { rows } = await db.pool.query<{ id: string }>(`insert into public.rt_items (label) values ('wire') returning id`);
    const change = await client.next((f) => f.event === 'postgres_changes');
    expect(change.join_ref).toBeNull();
    expect(change.ref).toBeNull();
    expect(change.payload).toEqual({
      ids: [echoed[0]?.id, echoed[1]?.id],
      data: expect.objectContaining({ schema: 'public', table: 'rt_items', type: 'INSERT', errors: null }) as unknown,
    });
    const data = change.payload.data as Record<string, unknown>;
    expect(data.columns).toEqual([
      { name: 'id', type: 'int8' },
      { name: 'owner', type: 'uuid' },
      { name: 'label', type: 'text' },
    ]);
    expect(data.record).toEqual({ id: Number(rows[0]?.id), owner: null, label: 'wire' });
    expect(data).not.toHaveProperty('old_record');

    client.send({ join_ref: '6', ref: '8', topic: 'realtime:room1', event: 'phx_leave', payload: {} });
    expect(await client.next((f) => f.ref === '8')).toMatchObject({ event: 'phx_reply', payload: { status: 'ok', response: {} } });
    client.ws.close();
  });
});

describe('joins and tokens', () => {
  it('falls back to the URL apikey when the join carries no access_token', async () => {
    const client = await connect(server, '2.0.0', ANON_KEY);
    client.send({ join_ref: '1', ref: '1', topic: 'realtime:anon', event: 'phx_join', payload: joinConfig([{ event: '*', schema: 'public', table: 'rt_items' }]) });
    expect(await client.next((f) => f.ref === '1')).toMatchObject({ payload: { status: 'ok' } });
    // anon has no policy on rt_items: an owned row never reaches it, a delete does (primary key only).
    const { rows } = await db.pool.query<{ id: string }>(`insert into public.rt_items (owner, label) values (gen_random_uuid(), 'hidden') returning id`);
    await db.pool.query('delete from public.rt_items where id = $1', [rows[0]?.id]);
    const change = await client.next((f) => f.event === 'postgres_changes');
    expect((change.payload.data as { type: string; old_record: unknown }).type).toBe('DELETE');
    expect((change.payload.data as { old_record: unknown }).old_record).toEqual({ id: Number(rows[0]?.id) });
    expect(client.frames.filter((f) => f.event === 'postgres_changes')).toHaveLength(1);
    client.ws.close();
  });

  it('rejects a join with a bad token', async () => {
    const client = await connect(server, '2.0.0');
    client.send({ join_ref: '1', ref: '1', topic: 'realtime:bad', event: 'phx_join', payload: { ...joinConfig([]), access_token: 'not-a-jwt' } });
    const reply = await client.next((f) => f.ref === '1');
    expect(reply.payload.status).toBe('error');
    expect(typeof (reply.payload.response as { reason: unknown }).reason).toBe('string');
    client.ws.close();
  });

  it('rejects tables outside the publication, unknown filter columns and malformed filters', async () => {
    const client = await connect(server, '2.0.0');
    const attempts = [
      { event: '*', schema: 'public', table: 'rt_unpublished' },
      { event: '*', schema: 'public', table: 'rt_items', filter: 'nope=eq.1' },
      { event: '*', schema: 'public', table: 'rt_items', filter: 'id=eq.notanumber' },
      { event: '*', schema: 'public', table: 'rt_items', filter: 'id=between.1' },
    ];
    for (const [i, binding] of attempts.entries()) {
      const ref = String(i + 1);
      client.send({ join_ref: ref, ref, topic: `realtime:bad${ref}`, event: 'phx_join', payload: { ...joinConfig([binding]), access_token: SERVICE_ROLE_KEY } });
      const reply = await client.next((f) => f.ref === ref);
      expect(reply.payload.status, JSON.stringify(binding)).toBe('error');
    }
    client.ws.close();
  });

  it('closes the channel when an access_token update is invalid', async () => {
    const client = await connect(server, '2.0.0');
    client.send({
      join_ref: '1',
      ref: '1',
      topic: 'realtime:t',
      event: 'phx_join',
      payload: { ...joinConfig([{ event: '*', schema: 'public', table: 'rt_items' }]), access_token: await userToken(crypto.randomUUID()) },
    });
    await client.next((f) => f.ref === '1');
    client.send({ join_ref: '1', ref: '2', topic: 'realtime:t', event: 'access_token', payload: { access_token: 'expired.or.forged' } });
    expect(await client.next((f) => f.event === 'phx_close')).toMatchObject({ join_ref: '1', topic: 'realtime:t' });
    client.ws.close();
  });

  it('closes the channel when its token expires', async () => {
    const client = await connect(lateServer, '2.0.0');
    const payload = { ...joinConfig([{ event: '*', schema: 'public', table: 'rt_items' }]), access_token: await userToken(crypto.randomUUID()) };
    client.send({ join_ref: '1', ref: '1', topic: 'realtime:exp', event: 'phx_join', payload });
    expect(await client.next((f) => f.ref === '1')).toMatchObject({ payload: { status: 'ok' } });
    expect(await client.next((f) => f.event === 'system' && f.payload.status === 'error')).toMatchObject({
      join_ref: '1',
      payload: { message: 'Token has expired', extension: 'system', channel: 'exp' },
    });
    expect(await client.next((f) => f.event === 'phx_close')).toMatchObject({ join_ref: '1', topic: 'realtime:exp' });
    client.ws.close();
  });

  it('answers pushes to a topic that was never joined with an error', async () => {
    const client = await connect(server, '2.0.0');
    client.send({ join_ref: null, ref: '3', topic: 'realtime:ghost', event: 'broadcast', payload: {} });
    expect(await client.next((f) => f.ref === '3')).toMatchObject({ event: 'phx_reply', payload: { status: 'error', response: { reason: 'unmatched topic' } } });
    client.ws.close();
  });

  it('refuses the upgrade when the apikey is not a valid token', async () => {
    await expect(connect(server, '2.0.0', 'garbage')).rejects.toThrow(/403/);
  });
});

describe('idle sockets', () => {
  it('closes a socket that stops sending heartbeats', async () => {
    const client = await connect(quietServer, '2.0.0');
    const opened = performance.now();
    expect(await client.closed).toBe(1000);
    expect(performance.now() - opened).toBeGreaterThanOrEqual(250);
  });

  it('keeps a heartbeating socket open', async () => {
    const client = await connect(quietServer, '2.0.0');
    for (let i = 0; i < 6; i++) {
      const ref = String(i);
      client.send({ join_ref: null, ref, topic: 'phoenix', event: 'heartbeat', payload: {} });
      await client.next((f) => f.ref === ref);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });
});
